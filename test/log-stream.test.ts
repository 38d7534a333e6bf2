/**
 * Issue 21, the live tail over HTTP: `GET /api/log/stream` (admin) and `/api/log/self/stream` (user) send
 * the rows this instance's log writer commits, filtered like the lists, in each view's shape; a relayed
 * call reaches an open tail; logging out ends a session's tail. SQLite (the tail reads no database).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { LogType, type LogTypeValue } from '../src/modules/logs/log-types.ts';
import { readEvents } from '../src/shared/sse.ts';
import {
  type Actor,
  asTestApp,
  createActor,
  setupRoot,
  startTestApp,
  type TestApp,
  testConfig,
} from './support/app.ts';
import { engines, openTestDatabases } from './support/engines.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import { client, listen, seedChannel, seedToken, setPricing } from './support/relay-fixtures.ts';

/** An open event stream: the events read so far, and a wait for one that matches. */
async function openStream(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: Array<{ event: string; data: any }> = [];
  let done = false;
  const pump = readEvents(res.body!, (e) => {
    if (e.event) events.push({ event: e.event, data: JSON.parse(e.data) });
  })
    .catch(() => {})
    .finally(() => {
      done = true;
    });
  return {
    events,
    get ended() {
      return done;
    },
    async waitFor(pred: (e: { event: string; data: any }) => boolean, ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const hit = events.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events)}`);
    },
    async waitEnd(ms = 5000) {
      await Promise.race([pump, new Promise((r) => setTimeout(r, ms))]);
      return done;
    },
    close: () => ac.abort(),
  };
}

describe('live log tail over HTTP (sqlite)', () => {
  let t: TestApp;
  let up: FakeUpstream;
  let root: Actor;
  let alice: Actor;
  let origin: string;
  let base: string;

  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    up = await startFakeUpstream();
    root = await setupRoot(t);
    alice = await createActor(t, root, 'alice', { quota: 1_000_000 });
    await seedChannel(t, { base_url: up.url, models: ['gpt-4o-mini'] });
    await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 0.075 } });
    base = await listen(t);
    origin = base.replace(/\/v1$/, '');
  });
  after(async () => {
    await t?.close();
    await up?.close();
  });

  it('admin: rows matching the filters as they are committed; a relayed call arrives', async () => {
    const s = await openStream(`${origin}/api/log/stream?model_name=gpt%25&type=2`, root.headers);
    const write = (model: string, type: LogTypeValue = LogType.Consume) =>
      t.ctx.logWriter.write({
        type,
        user_id: alice.id,
        username: 'alice',
        content: 'x',
        model_name: model,
        quota: 1,
      });
    write('claude-x');
    write('gpt-4o', LogType.Error);
    write('gpt-4o');
    await s.waitFor((e) => e.event === 'log' && e.data.model_name === 'gpt-4o');
    const key = (await seedToken(t, { user_id: alice.id })).key;
    const r = await client(base, key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(r.choices[0].message.content);
    const relayed = await s.waitFor((e) => e.event === 'log' && e.data.model_name === 'gpt-4o-mini');
    assert.equal(relayed.data.username, 'alice');
    assert.equal(relayed.data.type, LogType.Consume);
    assert.ok(relayed.data.quota > 0);
    assert.ok(JSON.parse(relayed.data.other).admin_info, 'admins see the attempts');
    // and the channel's name, as the admin list shows it
    const channel = await t.ctx.dbs.main.db
      .selectFrom('channels')
      .select('name')
      .where('id', '=', relayed.data.channel_id)
      .executeTakeFirstOrThrow();
    assert.ok(channel.name);
    assert.equal(relayed.data.channel_name, channel.name);
    assert.deepEqual(
      s.events.filter((e) => e.event === 'log').map((e) => e.data.model_name),
      ['gpt-4o', 'gpt-4o-mini'],
      'nothing outside the filter',
    );
    await s.close();
  });

  it('self: only the caller’s rows, without channel or admin_info; users cannot open the admin tail', async () => {
    const denied = await fetch(`${origin}/api/log/stream`, { headers: alice.headers });
    assert.equal(denied.status, 403);
    const s = await openStream(`${origin}/api/log/self/stream?channel=999`, alice.headers);
    t.ctx.logWriter.write({
      type: 2,
      user_id: root.id,
      username: 'root',
      content: 'not yours',
      model_name: 'm',
      quota: 1,
    });
    t.ctx.logWriter.write({
      type: 2,
      user_id: alice.id,
      username: 'alice',
      content: 'yours',
      model_name: 'm',
      quota: 1,
      channel_id: 4,
      other: { admin_info: { attempts: [] }, model_ratio: 1 },
    });
    const mine = await s.waitFor((e) => e.event === 'log');
    assert.equal(mine.data.content, 'yours');
    assert.ok(!('channel_id' in mine.data) && !('channel' in mine.data));
    assert.equal(JSON.parse(mine.data.other).admin_info, undefined);
    await t.ctx.logWriter.flush();
    assert.equal(s.events.filter((e) => e.event === 'log').length, 1);
    await s.close();
  });

  it('logging out ends the tails of that session', async () => {
    const login = await fetch(`${origin}/api/user/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const headers = { cookie, 'New-Api-User': String(alice.id) };
    const s = await openStream(`${origin}/api/log/self/stream`, headers);
    assert.equal(s.ended, false);
    const out = await fetch(`${origin}/api/user/logout`, { headers });
    assert.equal(out.status, 200);
    assert.equal(await s.waitEnd(), true, 'the stream ended');
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe('live log tail across instances through Redis', {
  skip: redisUrl ? false : 'TEST_REDIS_URL is not set',
}, () => {
  it('a viewer on one instance sees the rows another instance commits; nothing is published while nobody watches', async () => {
    const engine = engines().find((e) => e.name === 'postgres') ?? engines()[0];
    const shared = await openTestDatabases(engine);
    const second = openDatabases({ sqlDsn: shared.db.dsn, sqlitePath: shared.db.sqlitePath, logSqlDsn: '' });
    const [ra, rb, spy] = [
      createClient({ url: redisUrl }),
      createClient({ url: redisUrl }),
      createClient({ url: redisUrl }),
    ];
    await Promise.all([ra.connect(), rb.connect(), spy.connect()]);
    const config = testConfig();
    const A = await buildApp({ config, dbs: shared.dbs, redis: ra as any });
    const B = await buildApp({ config, dbs: second, redis: rb as any });
    // a pattern subscriber sees every publish and is not counted by PUBSUB NUMSUB (no instance's viewer)
    const published: string[] = [];
    await spy.pSubscribe('tollgate:log-tail*', (m) => published.push(m));
    try {
      const ta = asTestApp(A.app, A.ctx, engine, async () => {});
      const root = await setupRoot(ta);
      const write = (content: string) =>
        A.ctx.logWriter.write({
          type: 2,
          user_id: root.id,
          username: 'root',
          content,
          model_name: 'm',
          quota: 1,
        });
      write('unwatched');
      await A.ctx.logWriter.flush();
      await new Promise((r) => setTimeout(r, 1200));
      write('unwatched 2');
      await A.ctx.logWriter.flush();
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(published, [], 'nothing published while no instance had a viewer');
      await B.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (B.app.server.address() as { port: number }).port;
      const s = await openStream(`http://127.0.0.1:${port}/api/log/stream`, root.headers);
      // B subscribes on its first viewer; A learns of it within a second
      let i = 0;
      const hit = s.waitFor((e) => e.event === 'log' && String(e.data.content).startsWith('from A'), 8000);
      const timer = setInterval(() => {
        write(`from A ${i++}`);
        void A.ctx.logWriter.flush();
      }, 200);
      try {
        const e = await hit;
        assert.equal(e.data.username, 'root');
        assert.ok(
          published.length > 0,
          'the spy sees publishes once a viewer watches (the check above is not vacuous)',
        );
      } finally {
        clearInterval(timer);
      }
      await s.close();
    } finally {
      await A.app.close();
      await B.app.close();
      await second.close();
      await shared.close();
      await Promise.all([ra.quit(), rb.quit(), spy.quit()]);
    }
  });
});
