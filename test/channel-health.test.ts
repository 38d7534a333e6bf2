/**
 * CONTRACT §12 channel health: 5xx/429/no answer → a cooldown (never a disable); a bad key disables only with
 * AutomaticDisableChannelEnabled; AutomaticEnableChannelEnabled re-tests disabled channels. Issue 19 saw
 * a few deliberate 5xx take the busiest channel offline until an admin acted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBus } from '../src/events.ts';
import { ChannelHealth, COOLDOWN_FIRST_MS, COOLDOWN_MAX_MS } from '../src/relay/channel-health.ts';
import type { Candidate } from '../src/relay/relay-context.ts';
import type { TestApp } from './support/app.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import {
  logRows,
  post,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
} from './support/relay-fixtures.ts';

const chan = (id: number): Candidate => ({
  id,
  name: `c${id}`,
  type: 1,
  base_url: '',
  key: '',
  model_mapping: '',
  priority: 0,
  weight: 0,
});

describe('ChannelHealth (unit, fake clock)', () => {
  it('cools a failing channel 30 s, doubling while it keeps failing, at most 10 min; a success ends it', () => {
    let now = 1_000_000;
    const logs: string[] = [];
    const h = new ChannelHealth({
      events: new EventBus(),
      autoDisable: () => false,
      disable: async () => {},
      systemLog: (_c, text) => logs.push(text),
      now: () => now,
    });
    const a = chan(1);
    const b = chan(2);
    h.failure(a, { status: 503, body: 'overloaded' });
    assert.ok(h.isCooling(1));
    assert.deepEqual(h.usable([a, b], new Set()), [b]);
    now += COOLDOWN_FIRST_MS + 1;
    assert.equal(h.isCooling(1), false);
    const lengths: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.failure(a, { status: 500, body: '' });
      const start = now;
      while (h.isCooling(1)) now += 1000;
      lengths.push(now - start);
    }
    assert.deepEqual(lengths.slice(0, 5), [60_000, 120_000, 240_000, 480_000, COOLDOWN_MAX_MS]);
    assert.equal(lengths[7], COOLDOWN_MAX_MS);
    assert.equal(logs.length, 9, 'one system log per cooldown started');
    assert.match(logs[0], /cooling down for 30 s after: HTTP 503: overloaded/);
    h.failure(a, { status: 429, body: '' });
    h.success(1);
    assert.equal(h.isCooling(1), false);
    h.failure(a, { status: 0, body: 'ECONNREFUSED' });
    now += COOLDOWN_FIRST_MS + 1;
    assert.equal(h.isCooling(1), false, 'after a success the next cooldown starts at 30 s again');
  });

  it('when every candidate cools down, routing tries the one that failed longest ago', () => {
    let now = 0;
    const h = new ChannelHealth({
      events: new EventBus(),
      autoDisable: () => false,
      disable: async () => {},
      systemLog: () => {},
      now: () => now,
    });
    const [a, b, c] = [chan(1), chan(2), chan(3)];
    h.failure(b, { status: 500, body: '' });
    now += 10;
    h.failure(a, { status: 500, body: '' });
    now += 10;
    h.failure(c, { status: 500, body: '' });
    assert.deepEqual(h.usable([a, b, c], new Set()), [b]);
    assert.deepEqual(h.usable([a, b, c], new Set([2])), [a]);
  });

  it('a bad key disables only with AutomaticDisableChannelEnabled; 4xx other than that do nothing', async () => {
    let on = false;
    const disabled: number[] = [];
    const h = new ChannelHealth({
      events: new EventBus(),
      autoDisable: () => on,
      disable: async (c) => {
        disabled.push(c.id);
      },
      systemLog: () => {},
    });
    h.failure(chan(1), { status: 401, body: '{"error":{"code":"invalid_api_key"}}' });
    assert.deepEqual(disabled, []);
    on = true;
    h.failure(chan(1), { status: 401, body: '' });
    h.failure(chan(2), { status: 429, body: '{"error":{"code":"insufficient_quota"}}' });
    h.failure(chan(3), { status: 400, body: 'bad request' });
    h.failure(chan(4), { status: 503, body: '' });
    // a client can make the upstream echo "invalid_api_key" in a 400: that is not the key being bad
    h.failure(chan(5), { status: 400, body: 'Unrecognized request argument supplied: invalid_api_key' });
    assert.deepEqual(disabled, [1, 2]);
    assert.equal(h.isCooling(3), false);
    assert.equal(h.isCooling(4), true);
  });
});

describe('channel health through the relay (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let bad: FakeUpstream;
  const chat = { messages: [{ role: 'user', content: 'hi' }] };
  const call = async (key: string, model: string) =>
    (await post(w.base, '/chat/completions', key, { ...chat, model })).status;
  const status = async (id: number) =>
    (
      await t.ctx.dbs.main.db
        .selectFrom('channels')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'health', quota: 100_000_000 });
    t = w.t;
    bad = await startFakeUpstream({ status: 503 });
    await setPricing(t, { ModelRatio: { pair: 1, lone: 1, keyed: 1 } });
  });
  after(async () => {
    await w.close();
    await bad.close();
  });

  it('a 5xx channel is cooled down, not disabled: its model keeps being served by the other', async () => {
    const broken = await seedChannel(t, {
      name: 'broken',
      base_url: bad.url,
      models: ['pair'],
      priority: 10,
    });
    await seedChannel(t, { name: 'fine', base_url: w.up.url, models: ['pair'] });
    const tok = await seedToken(t, { user_id: w.user.id });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push(await call(tok.key, 'pair'));
    assert.deepEqual(statuses, Array(10).fill(200), 'every call served');
    assert.equal(bad.requests.length, 1, 'the broken channel was tried once, then skipped while cooling');
    assert.equal(await status(broken), 1, 'not disabled');
    await settled(t);
    const system = (await logRows(t, 5)).filter((l) => l.channel_id === broken);
    assert.equal(system.length, 1);
    assert.match(system[0].content, /"broken" cooling down for 30 s after: HTTP 503/);
    // the channels page sees it: one failure in a row, skipped for about 30 s
    const listed = await t.call({
      method: 'GET',
      url: '/api/channel/?page_size=50',
      headers: w.root.headers,
    });
    const row = listed.body.data.items.find((c: { id: number }) => c.id === broken);
    assert.equal(row.failures, 1);
    assert.ok(row.cooling_until > Date.now() + 20_000 && row.cooling_until <= Date.now() + 30_000);
    const fine = listed.body.data.items.find((c: { name: string }) => c.name === 'fine');
    assert.deepEqual([fine.failures, fine.cooling_until], [0, 0]);
  });

  it('with its only channel cooling down, a model is still tried there rather than answered 503', async () => {
    const lone = await seedChannel(t, { name: 'lone', base_url: bad.url, models: ['lone'] });
    const tok = await seedToken(t, { user_id: w.user.id });
    const before = bad.requests.length;
    assert.equal(await call(tok.key, 'lone'), 503, 'the upstream said 503');
    assert.equal(await call(tok.key, 'lone'), 503);
    assert.equal(bad.requests.length - before, 2, 'tried both times');
    assert.equal(await status(lone), 1);
  });

  it('a bad key disables the channel only with AutomaticDisableChannelEnabled; AutomaticEnable brings it back', async () => {
    const keyed = await startFakeUpstream({ status: 401, errorMessage: 'Incorrect API key provided' });
    try {
      const id = await seedChannel(t, { name: 'keyed', base_url: keyed.url, models: ['keyed'] });
      const tok = await seedToken(t, { user_id: w.user.id });
      assert.equal(await call(tok.key, 'keyed'), 401);
      assert.equal(await status(id), 1, 'off by default, as in New API');
      await t.ctx.options.set('AutomaticDisableChannelEnabled', 'true');
      assert.equal(await call(tok.key, 'keyed'), 401);
      await settled(t);
      assert.equal(await status(id), 3);
      const listed = (await t.ctx.channels.get(id)) as { status_reason: string; status_time: number };
      assert.match(
        listed.status_reason,
        /^HTTP 401: .*Incorrect API key provided/,
        'the reason kept for the page',
      );
      assert.ok(listed.status_time > 0);
      assert.equal(await call(tok.key, 'keyed'), 503, 'no enabled channel serves it now');

      keyed.setBehavior({});
      assert.equal(await t.ctx.autoEnable.runOnce(), 0, 'AutomaticEnableChannelEnabled is off');
      await t.ctx.options.set('AutomaticEnableChannelEnabled', 'true');
      assert.equal(await t.ctx.autoEnable.runOnce(), 1);
      assert.equal(await status(id), 1);
      assert.equal((await t.ctx.channels.get(id)).status_reason, '', 'cleared when enabled again');
      assert.equal(await call(tok.key, 'keyed'), 200);
      // an admin's own disable (status 2) is never turned into an automatic one, nor re-enabled
      await t.ctx.channels.setStatus(id, 2);
      keyed.setBehavior({ status: 401 });
      t.ctx.events.emit('channel', id);
      await t.ctx.channels.setStatus(id, 3, 1);
      assert.equal(await status(id), 2);
      await t.ctx.autoEnable.runOnce();
      assert.equal(await status(id), 2);
      await settled(t);
      const system = (await logRows(t, 5)).filter((l) => l.channel_id === id).map((l) => l.content);
      assert.equal(system.length, 2);
      assert.match(system[0], /disabled automatically after: HTTP 401: .*Incorrect API key provided/);
      assert.match(system[1], /enabled again automatically/);
    } finally {
      await t.ctx.options.set('AutomaticDisableChannelEnabled', 'false');
      await t.ctx.options.set('AutomaticEnableChannelEnabled', 'false');
      await keyed.close();
    }
  });
});
