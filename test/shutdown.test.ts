/**
 * CONTRACT §12 shutdown: calls under way get the grace to finish, the rest are cancelled as client aborts
 * (billed for what was sent, logged), new calls are refused with a retryable 503; log rows the log
 * database cannot take at shutdown go to a local spool that the next start writes. Issue 19: SIGTERM
 * with the log database away lost all 1,020 buffered logs; long streams were cut with no log.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { BatchLogWriter } from '../src/modules/logs/log-writer.ts';
import { appendSpool } from '../src/spool.ts';
import { testConfig } from './support/app.ts';
import { engines, freshDatabase } from './support/engines.ts';
import { startFakeUpstream } from './support/fake-upstream.ts';
import {
  client,
  logRows,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
  userRow,
} from './support/relay-fixtures.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

describe('graceful shutdown of the relay (sqlite)', () => {
  let w: RelayWorld;
  before(async () => {
    w = await relayWorld(
      { name: 'sqlite' },
      {
        username: 'draining',
        quota: 100_000_000,
        upstream: { words: Array(200).fill(' tick'), chunkDelayMs: 20 },
      },
    );
    await setPricing(w.t, { ModelRatio: { long: 1 } });
    await seedChannel(w.t, { base_url: w.up.url, models: ['long'] });
  });
  after(() => w.close());

  it('streams outliving the grace are ended, billed for what they sent and logged; new calls get 503', async () => {
    const { t } = w;
    const tok = await seedToken(t, { user_id: w.user.id });
    const c = client(w.base, tok.key);
    const before = await userRow(t, w.user.id);
    const received: number[] = [];
    const ends: string[] = [];
    const streams = Array.from({ length: 3 }, async () => {
      const stream = await c.chat.completions.create({
        model: 'long',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
      });
      let n = 0;
      try {
        for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) n += 1;
        ends.push('done');
      } catch (err) {
        ends.push(String((err as Error).message));
      }
      received.push(n);
    });
    await new Promise((r) => setTimeout(r, 300)); // the streams are under way (200 words at 20 ms: 4 s)
    const draining = t.ctx.relay.drain(300);
    const refused = await fetch(`${w.base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'long', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(refused.status, 503);
    assert.match((await refused.json()).error.message, /shutting down/);
    assert.deepEqual(await draining, { finished: 0, cancelled: 3 });
    await Promise.all(streams);
    for (const e of ends) assert.match(e, /shutting down/, 'each client is told why its stream ended');
    await settled(t);
    const logs = (await logRows(t, 2)).filter((l) => l.token_id === tok.id);
    assert.equal(logs.length, 3, 'every cancelled stream has its log');
    for (const l of logs) {
      assert.equal(JSON.parse(l.other).cancelled_by_shutdown, true);
      assert.ok(l.completion_tokens > 0 && l.completion_tokens < 200, 'billed for what was sent');
    }
    const after = await userRow(t, w.user.id);
    assert.equal(
      before.quota - after.quota,
      logs.reduce((s, l) => s + l.quota, 0),
      'quota taken = logged',
    );
    assert.ok(received.every((n) => n > 0 && n < 200));
  });
});

describe('the log spool (sqlite)', () => {
  it('a batch that had landed is not written twice when it comes back with its id (spool or retry)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-spool-'));
    const spoolPath = join(dir, 'log-spool.ndjson');
    const dbs = openDatabases({ sqlDsn: '', sqlitePath: join(dir, 't.db'), logSqlDsn: '' });
    await migrate(dbs);
    const writer = new BatchLogWriter({ db: dbs.logs.db, dialect: dbs.logs.dialect, spoolPath });
    for (let i = 0; i < 3; i++)
      writer.write({ type: LogType.Consume, user_id: 1, username: 'u', content: `once ${i}` });
    await writer.flush();
    const [{ id }] = await dbs.logs.db.selectFrom('log_batches').select('id').execute();
    const stored = await dbs.logs.db.selectFrom('logs').selectAll().execute();
    // as if the COMMIT's answer had been lost and the rows spooled with their batch id
    await appendSpool(
      spoolPath,
      stored.map(({ id: _, ...row }) => ({ row, keep: true, rollup: true, batch: id })),
    );
    assert.equal(await writer.replaySpool(), 3);
    assert.equal((await dbs.logs.db.selectFrom('logs').select('id').execute()).length, 3, 'still three');
    await writer.close();
    await dbs.close();
  });

  it('rows the log database cannot take at shutdown are kept on disk and written at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-spool-'));
    const spoolPath = join(dir, 'log-spool.ndjson');
    const dbs = openDatabases({ sqlDsn: '', sqlitePath: join(dir, 't.db'), logSqlDsn: '' });
    await migrate(dbs);
    const spooled: number[] = [];
    const first = new BatchLogWriter({
      db: dbs.logs.db,
      dialect: dbs.logs.dialect,
      maxDelayMs: 60_000,
      spoolPath,
      onSpool: (event, rows) => event === 'spooled' && spooled.push(rows),
    });
    for (let i = 0; i < 1020; i++)
      first.write({
        type: LogType.Consume,
        user_id: 1,
        username: 'u',
        content: `call ${i}`,
        quota: 1,
        keep: true,
        rollup: i % 2 === 0,
      });
    await dbs.close(); // the log database goes away before the shutdown flush
    await first.close();
    assert.deepEqual(spooled, [1020]);
    assert.equal(readFileSync(spoolPath, 'utf8').trim().split('\n').length, 1020);

    const back = openDatabases({ sqlDsn: '', sqlitePath: join(dir, 't.db'), logSqlDsn: '' });
    const counted: number[] = [];
    const next = new BatchLogWriter({
      db: back.logs.db,
      dialect: back.logs.dialect,
      spoolPath,
      inTransaction: async (_trx, rows) => {
        counted.push(rows.length);
      },
    });
    assert.equal(await next.replaySpool(), 1020);
    assert.equal(existsSync(spoolPath), false, 'the spool is removed once written');
    const rows = await back.logs.db.selectFrom('logs').select('content').orderBy('id').execute();
    assert.equal(rows.length, 1020);
    assert.equal(rows[1019].content, 'call 1019');
    assert.equal(
      counted.reduce((a, b) => a + b, 0),
      510,
      'what each row was decided for (rollup) is kept',
    );
    assert.equal(await next.replaySpool(), 0, 'nothing twice');
    await next.close();
    await back.close();
  });
});

const pg = engines().find((e) => e.name === 'postgres');
describe('quota and logs reconcile across a shutdown with the database away (postgres)', {
  skip: !pg && 'TEST_PG_URL is not set',
}, () => {
  it('settlements and logs that could not be written are spooled, and the next start writes both', async () => {
    const db = await freshDatabase(pg!);
    const direct = openDatabases({ sqlDsn: db.dsn, sqlitePath: '', logSqlDsn: '' });
    await migrate(direct);
    await direct.close();
    const proxy = await startTcpProxy(Number(new URL(db.dsn).port));
    const up = await startFakeUpstream({
      record: false,
      usage: { prompt_tokens: 10, completion_tokens: 90 },
    });
    const spool = join(mkdtempSync(join(tmpdir(), 'tollgate-spool-')), 'log-spool.ndjson');
    const config = testConfig({ LOG_SPOOL_PATH: spool });
    const start = async (dsn: string) => {
      const dbs = openDatabases({ sqlDsn: dsn, sqlitePath: '', logSqlDsn: '', servingTimeoutMs: 500 });
      // the journal's orphan bound shortened: the first instance's heartbeat goes stale in 1 s
      const { app, ctx } = await buildApp({ config, dbs, journal: { heartbeatMs: 200, staleMs: 1000 } });
      await app.ready();
      return { app, ctx, dbs };
    };
    const a = await start(proxy.url(db.dsn));
    try {
      const ta = {
        app: a.app,
        ctx: a.ctx,
        engine: pg!,
        call: async () => ({ status: 0, body: null, headers: {} }),
        close: async () => {},
      };
      await a.ctx.options.set('ModelRatio', JSON.stringify({ m: 1 }));
      await seedChannel(ta, { base_url: up.url, models: ['m'] });
      const userId = await a.ctx.dbs.main.dialect.insertId(a.ctx.dbs.main.db, 'users', {
        username: 'spooled',
        password: 'x',
        display_name: 'spooled',
        email: '',
        role: 1,
        status: 1,
        group: 'default',
        quota: 1_000_000,
        used_quota: 0,
        request_count: 0,
        access_token_hash: null,
        created_at: 0,
        deleted_at: null,
      });
      const tok = await seedToken(ta, { user_id: userId });
      await a.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(a.app.server.address() as { port: number }).port}/v1`;
      const c = client(base, tok.key);
      await Promise.all(
        Array.from({ length: 5 }, () =>
          c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        ),
      );
      proxy.cut(); // before the settlements (50 ms) and the log batch (200 ms) are written
      await a.ctx.relay.settlement.waitForCount(5);
      const closing = a.app.close();
      a.app.server.closeAllConnections();
      await closing;
      await a.dbs.close();
      assert.ok(existsSync(spool), 'logs spooled');
      proxy.restore();

      // the next start replays the logs; the calls settle after their logs, so what settles them now is
      // the journal: their rows outlived the first instance, and are settled from the replayed logs
      const b = await start(db.dsn);
      for (let i = 0; ; i++) {
        const rows = await b.ctx.dbs.main.db.selectFrom('pending_calls').select('request_id').execute();
        if (rows.length === 0) break;
        assert.ok(i < 100, `journal rows left after 10 s: ${rows.length}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await b.ctx.relay.idle();
      const user = await b.ctx.dbs.main.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      const logs = await b.ctx.dbs.logs.db
        .selectFrom('logs')
        .selectAll()
        .where('user_id', '=', userId)
        .where('type', '=', 2)
        .execute();
      assert.equal(logs.length, 5, 'every answered call has its log');
      const logged = logs.reduce((s, l) => s + l.quota, 0);
      assert.equal(logged, 5 * 100);
      assert.equal(1_000_000 - user.quota, logged, 'quota taken = quota logged, to the unit');
      assert.equal(user.used_quota, logged);
      const closingB = b.app.close();
      await closingB;
      await b.dbs.close();
    } finally {
      await proxy.close();
      await up.close();
      await db.drop();
    }
  });
});
