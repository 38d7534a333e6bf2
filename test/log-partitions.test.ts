/**
 * PostgreSQL's day partitions of `logs` (issue 20): days made ahead, stragglers moved out of the default
 * partition, deletes that drop whole days and delete row by row only in the day the cutoff falls in, and
 * the move of a table from before partitioning (`npm run logs:partition`) while rows keep their ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  AHEAD_DAYS,
  DEFAULT_PARTITION,
  isPartitioned,
  LOG_INDEXES,
  LogPartitions,
  listPartitions,
  partitionExisting,
} from '../src/db/log-partitions.ts';
import * as logs001 from '../src/db/migrations/logs-001-init.ts';
import * as logs002 from '../src/db/migrations/logs-002-filter-indexes.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { type Actor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

const DAY = 86_400;
const pg = engines().find((e) => e.name === 'postgres');
const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
const dayName = (t: number) => `logs_p${new Date(t * 1000).toISOString().slice(0, 10).replaceAll('-', '')}`;

describe('log partitions (postgres)', { skip: pg ? false : 'TEST_PG_URL is not set' }, () => {
  let t: TestApp;
  let root: Actor;
  const db = () => t.ctx.dbs.logs.db;
  const write = async (rows: Array<{ created_at: number; content: string }>) => {
    for (const r of rows)
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: 1,
        username: 'u',
        model_name: 'm',
        quota: 1,
        ...r,
      });
    await t.ctx.logWriter.flush();
  };
  const contents = async () =>
    (await db().selectFrom('logs').select('content').orderBy('id').execute()).map((r) => r.content);
  const placeOf = async (content: string) =>
    (
      await sql<{
        p: string;
      }>`SELECT tableoid::regclass::text AS p FROM logs WHERE content = ${content}`.execute(db())
    ).rows[0]?.p;

  before(async () => {
    t = await startTestApp(pg!);
    root = await setupRoot(t);
  });
  after(() => t.close());

  it('a new database is partitioned: yesterday to a week ahead made at start, and a default', async () => {
    assert.equal(await isPartitioned(db()), true);
    const names = (await listPartitions(db())).map((p) => p.name);
    for (let d = today - DAY; d <= today + AHEAD_DAYS * DAY; d += DAY)
      assert.ok(names.includes(dayName(d)), dayName(d));
    assert.equal(names.at(-1), DEFAULT_PARTITION);
    await write([{ created_at: today + 5, content: 'now' }]);
    assert.equal(await placeOf('now'), dayName(today));
  });

  it('a straggler waits in the default partition until the upkeep gives its day a partition', async () => {
    const old = today - 400 * DAY + 3600;
    await write([
      { created_at: old, content: 'old-1' },
      { created_at: old + 60, content: 'old-2' },
    ]);
    assert.equal(await placeOf('old-1'), DEFAULT_PARTITION);
    const made = await new LogPartitions(t.ctx.dbs.logs).maintain();
    assert.deepEqual(made, [dayName(old - 3600)]);
    assert.equal(await placeOf('old-1'), dayName(old - 3600));
    assert.equal(await placeOf('old-2'), dayName(old - 3600));
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM logs_default`.execute(db());
    assert.equal(left.rows[0]?.n, 0, 'the default partition drained');
    assert.deepEqual(
      await new LogPartitions(t.ctx.dbs.logs).maintain(),
      [],
      'a second run has nothing to do',
    );
  });

  it('a delete drops the days wholly before the cutoff and deletes row by row only in its own day', async () => {
    const rows: Array<{ created_at: number; content: string }> = [];
    for (let d = 5; d >= 1; d--)
      for (let h = 0; h < 24; h += 6)
        rows.push({ created_at: today - d * DAY + h * 3600, content: `d${d}h${h}` });
    await write(rows);
    await new LogPartitions(t.ctx.dbs.logs).maintain();
    const beforeRows = await contents();
    const cutoff = today - 3 * DAY + 12 * 3600; // noon, three days ago
    const gone = beforeRows.filter(
      (c) => c.startsWith('old-') || /^d[45]h/.test(c) || c === 'd3h0' || c === 'd3h6',
    );
    const deleted = await t.ctx.logs.deleteBefore(cutoff);
    assert.equal(deleted, gone.length, 'the count covers dropped days and deleted rows');
    assert.deepEqual(
      await contents(),
      beforeRows.filter((c) => !gone.includes(c)),
    );
    const names = (await listPartitions(db())).map((p) => p.name);
    for (const d of [4, 5, 400]) assert.ok(!names.includes(dayName(today - d * DAY)), `day -${d} dropped`);
    assert.ok(names.includes(dayName(today - 3 * DAY)), 'the cutoff day stays, emptied up to noon');
    const tables = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${dayName(today - 4 * DAY)}`.execute(db());
    assert.equal(tables.rows[0]?.n, 0, 'the dropped day is gone, not merely detached');
    // the API's delete takes the same path
    const res = await t.call({
      method: 'DELETE',
      url: `/api/log/?target_timestamp=${today - 2 * DAY}`,
      headers: root.headers,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data, 2, 'd3h12 and d3h18');
  });

  it('an existing table moves into partitions: every row with its id, the sequence going on, the indexes', async () => {
    // the layout of a database from before this release: logs-001 and -002 on an empty database
    await sql`DROP TABLE logs CASCADE`.execute(db());
    await logs001.up(db(), t.ctx.dbs.logs.dialect);
    await logs002.up(db(), t.ctx.dbs.logs.dialect);
    assert.equal(await isPartitioned(db()), false);
    const rows: Array<{ created_at: number; content: string }> = [];
    for (let i = 0; i < 50; i++) rows.push({ created_at: today - (i % 9) * DAY - i * 60, content: `m${i}` });
    rows.push({ created_at: today - 4000 * DAY, content: 'ancient' });
    await write(rows);
    const was = await db().selectFrom('logs').select(['id', 'created_at', 'content']).orderBy('id').execute();
    const seen: number[] = [];
    const out = await partitionExisting(t.ctx.dbs.logs, { batch: 7, onProgress: (p) => seen.push(p.copied) });
    assert.notEqual(out, 'already');
    assert.equal((out as { copied: number }).copied, was.length);
    assert.ok(seen.length >= 8, 'progress after every batch');
    assert.equal(await isPartitioned(db()), true);
    assert.deepEqual(
      await db().selectFrom('logs').select(['id', 'created_at', 'content']).orderBy('id').execute(),
      was,
    );
    assert.equal(await placeOf('m0'), dayName(today));
    assert.equal(
      await placeOf('ancient'),
      DEFAULT_PARTITION,
      'beyond five years: the default, drained by the upkeep',
    );
    const idx = await sql<{
      name: string;
    }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'logs'`.execute(db());
    for (const [name] of LOG_INDEXES)
      assert.ok(
        idx.rows.some((r) => r.name === name),
        name,
      );
    await write([{ created_at: today + 10, content: 'after' }]);
    const last = await db()
      .selectFrom('logs')
      .select('id')
      .where('content', '=', 'after')
      .executeTakeFirstOrThrow();
    assert.ok(last.id > Math.max(...was.map((r) => r.id)), 'the id sequence continues');
    assert.equal(await partitionExisting(t.ctx.dbs.logs), 'already');
    // the upkeep finds the ancient row a day of its own
    await new LogPartitions(t.ctx.dbs.logs).maintain();
    assert.equal(await placeOf('ancient'), dayName(today - 4000 * DAY));
  });
});
