import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { type Databases, openDatabases } from '../src/db/connect.ts';
import { checkpointerOf, sqliteConnectionOf } from '../src/db/dialects/sqlite.ts';
import { SAFETY_PAGES } from '../src/db/dialects/sqlite-checkpointer.ts';
import { freshDatabase, type TestDatabase } from './support/engines.ts';

/**
 * Whether every frame in the WAL has been copied into the database file: the wal-index (the -shm file)
 * holds the WAL's last frame (mxFrame, offset 16) and the checkpoint's progress (nBackfill, offset 96),
 * both native-endian (little on the machines we run on).
 */
function walCopied(path: string): boolean {
  const shm = readFileSync(`${path}-shm`);
  const mxFrame = shm.readUInt32LE(16);
  return mxFrame > 0 && shm.readUInt32LE(96) === mxFrame;
}

/** Waits until `check` holds, up to `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (check()) return true;
  return check();
}

describe('SQLite WAL checkpoints on a worker thread, started once the WAL grows', () => {
  let tmp: TestDatabase;
  let dbs: Databases;
  const size = (suffix = '') => statSync(tmp.sqlitePath + suffix).size;
  /** about 4 MB of new pages in one transaction (far below the automatic checkpoint's mark) */
  const write = (tag: string) =>
    sqliteConnectionOf(dbs.main.db)!
      .prepare(
        `INSERT INTO blobs (tag, body) SELECT ?, randomblob(4000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT i FROM n)`,
      )
      .run(tag);

  before(async () => {
    tmp = await freshDatabase({ name: 'sqlite' });
    dbs = openDatabases({ sqlDsn: '', sqlitePath: tmp.sqlitePath, logSqlDsn: '' });
    await sql`CREATE TABLE blobs (tag TEXT, body BLOB)`.execute(dbs.main.db);
  });
  after(async () => {
    await dbs.close();
    await tmp.drop();
  });

  test('the main connection only checkpoints at the safety mark; the worker copies the WAL into the file', async () => {
    const conn = sqliteConnectionOf(dbs.main.db)!;
    assert.equal(conn.pragma('wal_autocheckpoint', { simple: true }), SAFETY_PAGES);
    // a database barely written has no worker thread (a CLI run, a quiet install)
    await sleep(1200);
    assert.equal(checkpointerOf(dbs.main.db)?.started, false);
    const before = size();
    write('a');
    // the commit left the pages in the WAL (4 MB ≪ 64 MB: no automatic checkpoint) …
    assert.ok(size('-wal') > 4_000_000, `wal ${size('-wal')}`);
    // … and the worker, not the main connection, moves them into the database file
    assert.ok(await until(() => size() > before + 4_000_000), `db file ${before} → ${size()}`);
    assert.equal(checkpointerOf(dbs.main.db)?.started, true);
  });

  test('the WAL starts again once copied: it does not grow with every write', async () => {
    assert.ok(await until(() => walCopied(tmp.sqlitePath)), 'the first write copied');
    const first = size('-wal');
    for (const tag of ['b', 'c', 'd', 'e']) {
      const copied = size();
      write(tag);
      assert.ok(
        await until(() => size() > copied + 4_000_000 && walCopied(tmp.sqlitePath)),
        `round ${tag} copied`,
      );
    }
    // five 4 MB writes, each copied before the next: the WAL is reused, not five times as long
    assert.ok(size('-wal') < first * 2, `wal ${first} → ${size('-wal')}`);
  });

  test('close stops the worker and every row is there on the next open', async () => {
    write('f');
    await dbs.close();
    dbs = openDatabases({ sqlDsn: '', sqlitePath: tmp.sqlitePath, logSqlDsn: '' });
    const row = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM blobs`.execute(dbs.main.db);
    assert.equal(Number(row.rows[0].n), 6000);
  });
});
