/**
 * Issue 16 / CONTRACT §9: a New API database (built from New API's GORM models, on every engine) imported
 * into Tollgate. Afterwards a user logs in with their New API password, their old `sk-` key relays a call,
 * log lists, stats and /api/data/ equal the source's, counts match, and a second run adds nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';

import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { NewApiImporter } from '../src/import/newapi/importer.ts';
import { openSource } from '../src/import/newapi/source.ts';
import { ChannelKeyCipher } from '../src/modules/channels/channel-key.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { TokenKeys } from '../src/modules/tokens/token-keys.ts';
import { asTestApp, testConfig } from './support/app.ts';
import { engines, freshDatabase, type TestDatabase } from './support/engines.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import { NEWAPI, type NewApiSource, newApiDatabase } from './support/newapi-fixture.ts';
import { client, settled } from './support/relay-fixtures.ts';

const require = createRequire(import.meta.url);

const SECRET = 'test-session-secret-0123456789';

async function importInto(target: TestDatabase, from: string, dryRun = false) {
  const dbs = openDatabases({ sqlDsn: target.dsn, sqlitePath: target.sqlitePath, logSqlDsn: '' });
  await migrate(dbs);
  const src = openSource(from);
  const notes: string[] = [];
  try {
    const importer = new NewApiImporter(src, dbs, {
      dryRun,
      batch: 3, // several batches even for this small source
      keys: new TokenKeys(SECRET),
      cipher: new ChannelKeyCipher(SECRET),
      note: (l) => notes.push(l),
    });
    await importer.run();
    return { report: importer.report, notes };
  } finally {
    await src.close();
    await dbs.close();
  }
}

for (const engine of engines()) {
  describe(`import a New API database (${engine.name})`, () => {
    let up: FakeUpstream;
    let source: NewApiSource;
    let target: TestDatabase;

    before(async () => {
      up = await startFakeUpstream();
      source = await newApiDatabase(engine, up.url);
      target = await freshDatabase(engine);
    });
    after(async () => {
      await source.close();
      await target.drop();
      await up.close();
    });

    it('a dry run reports what it would do and writes nothing', async () => {
      const { report } = await importInto(target, source.from, true);
      assert.equal(report.get('users')!.imported, 3);
      assert.equal(report.get('tokens')!.imported, 3);
      assert.equal(report.get('tokens')!.skipped.get('deleted in New API'), 1);
      const dbs = openDatabases({ sqlDsn: target.dsn, sqlitePath: target.sqlitePath, logSqlDsn: '' });
      const n = await dbs.main.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      await dbs.close();
      assert.equal(Number(n.n), 0);
    });

    it('users, keys, channels, options, codes, vendors and logs arrive; a second run adds nothing', async () => {
      const { report, notes } = await importInto(target, source.from);
      const counts = Object.fromEntries(
        [...report].map(([t, r]) => [
          t,
          {
            source: r.source,
            imported: r.imported,
            skipped: [...r.skipped.values()].reduce((a, b) => a + b, 0),
          },
        ]),
      );
      assert.deepEqual(
        counts.users,
        { source: 3, imported: 3, skipped: 0 },
        'deleted users come along (logs name them)',
      );
      assert.deepEqual(counts.tokens, { source: 4, imported: 3, skipped: 1 });
      assert.deepEqual(counts.channels, { source: 4, imported: 4, skipped: 0 });
      assert.deepEqual(counts.redemptions, { source: 3, imported: 2, skipped: 1 });
      assert.deepEqual(
        counts.logs,
        { source: 9, imported: 8, skipped: 1 },
        'the refund log has no Tollgate type',
      );
      assert.equal(report.get('options')!.skipped.get('not a Tollgate option'), 1);
      assert.ok(
        [...report.get('options')!.skipped.keys()].some((k) =>
          k.startsWith('invalid for Tollgate (RetryTimes'),
        ),
      );
      assert.ok(notes.some((n) => /multi-key \(3 keys\)/.test(n)));
      assert.ok(notes.some((n) => /channel #8 .*type 2 .*imported disabled/.test(n)));
      assert.ok(!notes.some((n) => /channel #7 /.test(n)), 'Azure is spoken: imported as it was');
      assert.ok(notes.some((n) => /SMTPServer/.test(n)));

      const again = await importInto(target, source.from);
      for (const [t, r] of again.report) assert.equal(r.imported, 0, `second run: nothing new in ${t}`);
      assert.equal(again.report.get('logs')!.present, 9);
      if (engine.name === 'postgres') {
        // before any server started (whose upkeep would move it): the old log went to its own week
        const dbs = openDatabases({ sqlDsn: target.dsn, sqlitePath: target.sqlitePath, logSqlDsn: '' });
        const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM logs_default`.execute(
          dbs.logs.db,
        );
        await dbs.close();
        assert.equal(
          waiting.rows[0]?.n,
          0,
          'a two-month-old log went to its own week, not the default partition',
        );
      }
    });

    it('then Tollgate serves them: New API password, old sk- key, access token, logs, stats and charts equal the source', async () => {
      const config = testConfig({
        ...(target.dsn ? { SQL_DSN: target.dsn } : { SQLITE_PATH: target.sqlitePath }),
        SESSION_SECRET: SECRET,
      });
      const dbs = openDatabases(config);
      const { app, ctx } = await buildApp({ config, dbs });
      await app.ready();
      const t = asTestApp(app, ctx, engine, () => dbs.close());
      try {
        assert.equal(
          (await t.call({ method: 'GET', url: '/api/setup' })).body.data.status,
          true,
          'no setup wizard',
        );
        const login = await t.call({
          method: 'POST',
          url: '/api/user/login',
          payload: { username: 'alice', password: NEWAPI.alicePassword },
        });
        assert.equal(login.status, 200, JSON.stringify(login.body));
        const bob = await t.call({
          method: 'POST',
          url: '/api/user/login',
          payload: { username: 'bob', password: 'bob-pass-1234' },
        });
        assert.notEqual(bob.status, 200, 'a user deleted in New API stays deleted');
        const alice = { authorization: `Bearer ${NEWAPI.aliceAccessToken}`, 'new-api-user': '2' };
        const root = await t.call({
          method: 'POST',
          url: '/api/user/login',
          payload: { username: 'nroot', password: NEWAPI.rootPassword },
        });
        const rootCookie = { cookie: String(root.headers['set-cookie']).split(';')[0], 'new-api-user': '1' };

        // the logs as New API had them (types 4 and 5 swapped), before any new call
        const logs = await t.call({ method: 'GET', url: '/api/log/?p=1&page_size=100', headers: rootCookie });
        assert.equal(logs.body.data.total, 8);
        const byType = (ty: number) => logs.body.data.items.filter((l: { type: number }) => l.type === ty);
        assert.equal(byType(LogType.System)[0].content, 'channel #7 disabled');
        assert.equal(byType(LogType.Error)[0].content, 'upstream error: 502');
        assert.match(byType(LogType.TopUp)[0].content, /兑换码ID 2/);
        assert.equal(
          byType(LogType.Consume).find((l: { request_id: string }) => l.request_id === 'req-1').other,
          '{"model_ratio":0.075,"frt":320}',
        );
        const total = NEWAPI.consume.reduce((a, b) => a + b, 0);
        const stat = await t.call({ method: 'GET', url: '/api/log/self/stat', headers: alice });
        assert.equal(stat.status, 200, JSON.stringify(stat.body));
        assert.equal(stat.body.data.quota, total);
        const start = NEWAPI.now - 4 * 86_400;
        const chart = await t.call({
          method: 'GET',
          url: `/api/data/?start_timestamp=${start}&end_timestamp=${NEWAPI.now}`,
          headers: rootCookie,
        });
        assert.equal(
          chart.body.data.reduce((s: number, r: { quota: number }) => s + r.quota, 0),
          total,
          'rollups rebuilt from the logs',
        );
        assert.equal(
          chart.body.data.reduce((s: number, r: { count: number }) => s + r.count, 0),
          3,
        );

        // the same sk- key relays a call, through the imported channel (its key decrypts)
        const res = await client(`${await listenOn(t)}/v1`, `sk-${NEWAPI.aliceKey}`).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'still here?' }],
        });
        assert.equal(res.choices[0].message.content, 'Hello from the fake upstream');
        assert.equal(up.requests.at(-1)!.headers.authorization, 'Bearer upstream-secret');
        await settled(t);
        const expired = await fetch(`${await listenOn(t)}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer sk-${NEWAPI.expiredKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
        });
        assert.equal(expired.status, 401);
        const deletedKey = await fetch(`${await listenOn(t)}/v1/models`, {
          headers: { authorization: `Bearer sk-${NEWAPI.deletedKey}` },
        });
        assert.equal(deletedKey.status, 401);

        // the unused redemption code works once; the used one does not
        const bobless = await t.call({
          method: 'POST',
          url: '/api/user/topup',
          headers: alice,
          payload: { key: NEWAPI.unusedCode },
        });
        assert.equal(bobless.body.data, 250_000);
        assert.equal(
          (
            await t.call({
              method: 'POST',
              url: '/api/user/topup',
              headers: alice,
              payload: { key: NEWAPI.usedCode },
            })
          ).status,
          409,
        );

        // options Tollgate knows arrived, under Tollgate's names
        assert.equal((await t.call({ method: 'GET', url: '/api/notice' })).body.data, 'Moved to Tollgate');
        assert.equal(
          (await t.call({ method: 'GET', url: '/api/status' })).body.data.docs_link,
          'https://docs.example.com',
        );
        // an imported channel of a type the relay does not speak waits disabled; Azure keeps its api-version
        const chans = await t.call({
          method: 'GET',
          url: '/api/channel/?p=1&page_size=10',
          headers: rootCookie,
        });
        const azure = chans.body.data.items.find((c: { id: number }) => c.id === 7);
        assert.equal(azure.status, 1);
        assert.equal(JSON.parse(azure.settings).api_version, '2025-01-01-preview');
        const mj = chans.body.data.items.find((c: { id: number }) => c.id === 8);
        assert.equal(mj.status, 2);
        assert.equal(mj.status_reason, 'HTTP 401: invalid key', "New API's other_info.status_reason kept");
        assert.ok(mj.status_time > 0);
        assert.equal(JSON.stringify(chans.body).includes('upstream-secret'), false, 'no key in the answer');
        const vendor = await t.call({ method: 'GET', url: '/api/pricing' });
        assert.ok(vendor.body.vendors.some((v: { name: string }) => v.name === 'Acme Labs'));
      } finally {
        await t.close();
      }
    });
  });
}

for (const engine of engines()) {
  describe(`import into a Tollgate already in use (${engine.name})`, () => {
    it('ids Tollgate already uses are not taken as "the same row": users match by name, tokens by key; big batches', async () => {
      const up = await startFakeUpstream();
      const source = await newApiDatabase(engine, up.url);
      const target = await freshDatabase(engine);
      try {
        // Tollgate's own users hold ids 1 and 2, and token id 10, before the import
        const dbs = openDatabases({ sqlDsn: target.dsn, sqlitePath: target.sqlitePath, logSqlDsn: '' });
        await migrate(dbs);
        const keys = new TokenKeys(SECRET);
        const base = {
          password: 'x',
          display_name: '',
          role: 1,
          status: 1,
          email: '',
          group: 'default',
          quota: 7,
          used_quota: 0,
          request_count: 0,
          access_token_hash: null,
          created_at: 0,
          deleted_at: null,
        };
        await dbs.main.db
          .insertInto('users')
          .values([
            { id: 1, username: 'root', ...base, role: 100 },
            { id: 2, username: 'zed', ...base },
          ])
          .execute();
        await dbs.main.db
          .insertInto('tokens')
          .values({
            id: 10,
            user_id: 2,
            ...keys.seal('zed-own-key-000000000000000000000000000000000000'),
            name: 'zed',
            status: 1,
            created_time: 0,
            accessed_time: 0,
            expired_time: -1,
            remain_quota: 0,
            unlimited_quota: 1,
            used_quota: 0,
            model_limits_enabled: 0,
            model_limits: '',
            allow_ips: '',
            group: '',
          } as any)
          .execute();
        // and the source holds 1,200 more users (more rows than one INSERT may bind)
        const src = openDatabases({ sqlDsn: source.db.dsn, sqlitePath: source.db.sqlitePath, logSqlDsn: '' });
        const many = Array.from({ length: 1200 }, (_, i) => ({
          id: 100 + i,
          username: `bulk${i}`,
          password: 'x',
          display_name: '',
          role: 1,
          status: 1,
          email: '',
          quota: 1,
          used_quota: 0,
          request_count: 0,
          group: 'default',
          aff_code: `b${i}`,
        }));
        for (let i = 0; i < many.length; i += 200)
          await (src.main.db as any)
            .insertInto('users')
            .values(many.slice(i, i + 200))
            .execute();
        await src.close();
        await dbs.close();

        const dbs2 = openDatabases({ sqlDsn: target.dsn, sqlitePath: target.sqlitePath, logSqlDsn: '' });
        const from = openSource(source.from);
        const importer = new NewApiImporter(from, dbs2, {
          dryRun: false,
          batch: 5000,
          keys,
          cipher: new ChannelKeyCipher(SECRET),
        });
        await importer.run();
        await from.close();
        assert.equal(importer.report.get('users')!.imported, 1203);
        const alice = await dbs2.main.db
          .selectFrom('users')
          .selectAll()
          .where('username', '=', 'alice')
          .executeTakeFirstOrThrow();
        assert.notEqual(alice.id, 2, "alice did not take zed's id");
        const token = await dbs2.main.db
          .selectFrom('tokens')
          .selectAll()
          .where('key', '=', keys.hash(NEWAPI.aliceKey))
          .executeTakeFirstOrThrow();
        assert.equal(token.user_id, alice.id, "alice's key belongs to alice");
        assert.notEqual(token.id, 10);
        const zedToken = await dbs2.main.db
          .selectFrom('tokens')
          .selectAll()
          .where('id', '=', 10)
          .executeTakeFirstOrThrow();
        assert.equal(zedToken.user_id, 2, "zed's token is still zed's");
        const logs = await dbs2.logs.db
          .selectFrom('logs')
          .selectAll()
          .where('type', '=', LogType.Consume)
          .execute();
        assert.ok(logs.length > 0 && logs.every((l) => l.user_id === alice.id), "alice's logs follow alice");
        await dbs2.close();
      } finally {
        await source.close();
        await target.drop();
        await up.close();
      }
    });
  });
}

async function listenOn(t: { app: { server: { address(): unknown }; listen(o: object): Promise<unknown> } }) {
  const addr = t.app.server.address() as { port: number } | null;
  if (addr) return `http://127.0.0.1:${addr.port}`;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
}

describe('the import command (sqlite)', () => {
  it('prints progress and the table of counts; refuses a missing source with one line', async () => {
    const source = await newApiDatabase({ name: 'sqlite' }, 'http://127.0.0.1:9');
    const target = await freshDatabase({ name: 'sqlite' });
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/import/newapi/cli.ts', '--from', source.from, '--batch', '2'],
        { encoding: 'utf8', env: { ...process.env, SESSION_SECRET: SECRET, SQLITE_PATH: target.sqlitePath } },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /logs \[#+\.*\] 100\.0%/, 'a progress line with rows/s');
      assert.match(run.stderr, /rows\/s/);
      const table = run.stdout.split('\n');
      assert.match(table[0], /table\s+in New API\s+imported\s+already there\s+skipped\s+in Tollgate now/);
      assert.ok(
        table.some((l) => /^logs\s+9\s+8\s+0\s+1\s+8$/.test(l)),
        run.stdout,
      );
      assert.ok(
        table.some((l) => /^users\s+3\s+3\s+0\s+0\s+3$/.test(l)),
        run.stdout,
      );
      assert.match(run.stdout, /logs: 1 skipped: type 6 \(refund\)/);
    } finally {
      await source.close();
      await target.drop();
    }
    const bad = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/import/newapi/cli.ts', '--from', '/nonexistent/newapi.db'],
      {
        encoding: 'utf8',
        env: { ...process.env, SESSION_SECRET: SECRET, SQLITE_PATH: '/tmp/tollgate-import-cli-unused.db' },
      },
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /no such SQLite file/);
  });

  it('leaves a SQLite source file as it was: read only, its journal mode kept (New API may still run on it)', async () => {
    const source = await newApiDatabase({ name: 'sqlite' }, 'http://127.0.0.1:9');
    const target = await freshDatabase({ name: 'sqlite' });
    try {
      // New API's own SQLite default: a rollback journal, not WAL
      const raw = new Database(source.from);
      raw.pragma('journal_mode = DELETE');
      raw.close();
      const before = createHash('sha256').update(readFileSync(source.from)).digest('hex');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/import/newapi/cli.ts', '--from', source.from],
        { encoding: 'utf8', env: { ...process.env, SESSION_SECRET: SECRET, SQLITE_PATH: target.sqlitePath } },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.ok(run.stdout.includes('users'), run.stdout);
      assert.equal(createHash('sha256').update(readFileSync(source.from)).digest('hex'), before);
      assert.equal(existsSync(`${source.from}-wal`), false, 'no WAL file beside the source');
      const check = new Database(source.from, { readonly: true });
      assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
      check.close();
    } finally {
      await source.close();
      await target.drop();
    }
  });

  it('a SQLite source New API left in the middle of a write is refused in words, not an SQLite code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-hot-'));
    const path = join(dir, 'one-api.db');
    try {
      const db = new Database(path);
      db.pragma('journal_mode = DELETE');
      db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT)');
      db.close();
      // a writer killed inside its transaction, after SQLite spilled pages to the file: a hot journal
      const writer = `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
        const db = new Database(${JSON.stringify(path)});
        db.pragma('cache_size = 1');
        db.exec('BEGIN');
        const st = db.prepare('INSERT INTO users (username) VALUES (?)');
        for (let i = 0; i < 20000; i++) st.run('x'.repeat(200));
        process.kill(process.pid, 'SIGKILL');`;
      spawnSync(process.execPath, ['-e', writer]);
      assert.ok(existsSync(`${path}-journal`), 'the hot journal is there');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/import/newapi/cli.ts', '--from', path],
        {
          encoding: 'utf8',
          env: { ...process.env, SESSION_SECRET: SECRET, SQLITE_PATH: join(dir, 'tollgate.db') },
        },
      );
      assert.equal(run.status, 1);
      assert.match(run.stderr, /stopped in the middle of a write/);
      assert.ok(existsSync(`${path}-journal`), 'the source is left as it was');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
