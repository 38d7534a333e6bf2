/**
 * CONTRACT §11 / issue 18: `/metrics` after relayed calls (non-stream, stream, a retry, an upstream error)
 * counts them with bounded labels; `/healthz` answers; `/readyz` names the dependency that is down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { asTestApp, startTestApp, type TestApp, testConfig } from './support/app.ts';
import { engines, freshDatabase } from './support/engines.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import {
  client,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
} from './support/relay-fixtures.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const TOKEN = 'metrics-token-0123456789';

/** The value of one series in a Prometheus text exposition (undefined when absent). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and health (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let broken: FakeUpstream;
  let good: number;
  let bad: number;

  before(async () => {
    w = await relayWorld(
      { name: 'sqlite' },
      { username: 'measured', quota: 100_000_000 },
      { env: { METRICS_TOKEN: TOKEN } },
    );
    t = w.t;
    broken = await startFakeUpstream({ status: 500 });
    await setPricing(t, { ModelRatio: { m: 1, flaky: 1, doomed: 1 } });
    bad = await seedChannel(t, {
      name: 'broken',
      base_url: broken.url,
      models: ['flaky', 'doomed'],
      priority: 10,
    });
    good = await seedChannel(t, { name: 'good', base_url: w.up.url, models: ['m', 'flaky'] });
  });
  after(async () => {
    await w.close();
    await broken.close();
  });

  it('counts relayed calls by model, channel, status and stream; errors and retries by channel; no secrets', async () => {
    const tok = await seedToken(t, { user_id: w.user.id, name: 'secret-token-name' });
    const c = client(w.base, tok.key);
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await c.chat.completions.create({ model: 'm', messages });
    for await (const _ of await c.chat.completions.create({ model: 'm', messages, stream: true })) {
      // drain
    }
    await c.chat.completions.create({ model: 'flaky', messages }); // 500 on `broken`, then `good`
    await assert.rejects(c.chat.completions.create({ model: 'doomed', messages }));
    await settled(t);

    assert.equal((await t.call({ method: 'GET', url: '/metrics' })).status, 401);
    assert.equal(
      (
        await t.call({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: 'Bearer wrong-token-0123456789' },
        })
      ).status,
      401,
    );
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const m = res.body;
    const req = (model: string, channel: number, status: number, stream: boolean) =>
      value(
        m,
        `tollgate_relay_requests_total{model="${model}",channel="${channel}",status="${status}",stream="${stream}"}`,
      );
    assert.equal(req('m', good, 200, false), 1);
    assert.equal(req('m', good, 200, true), 1);
    assert.equal(req('flaky', good, 200, false), 1);
    assert.equal(req('doomed', bad, 500, false), 1);
    assert.equal(value(m, `tollgate_upstream_errors_total{channel="${bad}",status="500"}`), 2);
    assert.equal(value(m, `tollgate_upstream_retries_total{channel="${good}"}`), 1);
    assert.ok((value(m, 'tollgate_quota_spent_total{model="m"}') ?? 0) > 0);
    assert.equal(value(m, 'tollgate_relay_time_to_first_byte_seconds_count{stream="true"}'), 1);
    assert.equal(value(m, 'tollgate_relay_request_duration_seconds_count{stream="false"}'), 3);
    assert.ok((value(m, 'tollgate_log_writer_rows_total') ?? 0) >= 4);
    assert.equal(value(m, 'tollgate_log_writer_queue_depth'), 0);
    assert.ok(m.includes('tollgate_process_cpu_user_seconds_total'), 'Node process metrics');
    assert.ok(!m.includes(tok.key) && !m.includes('secret-token-name') && !m.includes('upstream-secret'));
    assert.ok(!/user_id|username/.test(m), 'no per-user labels');
  });

  it('counts rate-limit refusals by route pattern', async () => {
    for (let i = 0; i < 12; i++)
      await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'nobody', password: 'wrong-password' },
      });
    const m = (
      await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    ).body;
    assert.ok((value(m, 'tollgate_rate_limit_refusals_total{route="/api/user/login"}') ?? 0) >= 1);
  });

  it('/healthz and /readyz answer; without METRICS_TOKEN /metrics is 404', async () => {
    assert.deepEqual((await t.call({ method: 'GET', url: '/healthz' })).body, { status: 'ok' });
    assert.deepEqual((await t.call({ method: 'GET', url: '/readyz' })).body, { status: 'ready' });
    // a flood of probes costs the database one check a second, not one per probe
    await new Promise((r) => setTimeout(r, 1100));
    const db = t.ctx.dbs.main.db.getExecutor() as any;
    const run = db.executeQuery.bind(db);
    let checks = 0;
    db.executeQuery = (q: { sql: string }, ...rest: unknown[]) => {
      if (q.sql === 'SELECT 1') checks += 1;
      return run(q, ...rest);
    };
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => t.call({ method: 'GET', url: '/readyz' })),
      );
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(checks, 1);
    } finally {
      db.executeQuery = run;
    }
    const plain = await startTestApp({ name: 'sqlite' });
    try {
      assert.equal((await plain.call({ method: 'GET', url: '/metrics' })).status, 404);
    } finally {
      await plain.close();
    }
  });
});

const pg = engines().find((e) => e.name === 'postgres');
describe('readiness when the database is down (postgres)', { skip: !pg && 'TEST_PG_URL is not set' }, () => {
  it('/readyz answers 503 naming the database within its deadline, and 200 once it is back', async () => {
    const db = await freshDatabase(pg!);
    const direct = openDatabases({ sqlDsn: db.dsn, sqlitePath: '', logSqlDsn: '' });
    await migrate(direct);
    await direct.close();
    const proxy = await startTcpProxy(Number(new URL(db.dsn).port));
    const dbs = openDatabases({
      sqlDsn: proxy.url(db.dsn),
      sqlitePath: '',
      logSqlDsn: '',
      servingTimeoutMs: 500,
    });
    const { app, ctx } = await buildApp({ config: testConfig(), dbs });
    await app.ready();
    const t = asTestApp(app, ctx, pg!, () => dbs.close());
    try {
      assert.equal((await t.call({ method: 'GET', url: '/readyz' })).status, 200);
      proxy.cut();
      await new Promise((r) => setTimeout(r, 1100)); // past the second one answer is reused for
      const down = await t.call({ method: 'GET', url: '/readyz' });
      assert.equal(down.status, 503);
      assert.deepEqual(down.body.failing, ['database']);
      assert.equal(
        (await t.call({ method: 'GET', url: '/healthz' })).status,
        200,
        'the process still answers',
      );
      proxy.restore();
      for (let i = 0; (await t.call({ method: 'GET', url: '/readyz' })).status !== 200; i++) {
        assert.ok(i < 50, 'ready again once the database is back');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await t.close();
      await proxy.close();
      await db.drop();
    }
  });
});
