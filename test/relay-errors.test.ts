import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Actor, createActor, type TestApp } from './support/app.ts';
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
  tokenRow,
  userRow,
} from './support/relay-fixtures.ts';

const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

describe('relay refusals and failures (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let up: FakeUpstream;
  let root: Actor;
  let user: Actor;
  let base: string;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'bob', quota: 1_000_000 });
    ({ t, up, root, user, base } = w);
    await setPricing(t, { ModelRatio: { 'gpt-4o': 1, 'gpt-4o-mini': 1, 'no-channel': 1 } });
    await seedChannel(t, { base_url: up.url, models: ['gpt-4o', 'gpt-4o-mini', 'unpriced'] });
  });
  after(() => w.close());

  const expectError = (r: { status: number; json: any; requestId: string | null }, status: number) => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(typeof r.json.error.message, 'string');
    assert.equal(typeof r.json.error.type, 'string');
    assert.ok('code' in r.json.error);
    assert.ok(r.requestId && r.requestId.length > 0, 'X-Request-Id on failures');
  };

  it('refuses missing, unknown, disabled and expired keys with 401; expired flips to status 3', async () => {
    expectError(await post(base, '/chat/completions', null, chat), 401);
    expectError(await post(base, '/chat/completions', 'sk-unknown', chat), 401);
    const disabled = await seedToken(t, { user_id: user.id, status: 2 });
    expectError(await post(base, '/chat/completions', disabled.key, chat), 401);
    const expired = await seedToken(t, {
      user_id: user.id,
      expired_time: Math.floor(Date.now() / 1000) - 10,
    });
    expectError(await post(base, '/chat/completions', expired.key, chat), 401);
    assert.equal((await tokenRow(t, expired.id)).status, 3);
    // x-api-key works as well
    const ok = await seedToken(t, { user_id: user.id });
    const r = await post(base, '/chat/completions', null, chat, { 'x-api-key': ok.key });
    assert.equal(r.status, 200);
  });

  it("made-up keys, however long, are not remembered: a stranger cannot grow the server's memory", async () => {
    const remembered = () => (t.ctx.relay as any).tokenAuth.hashes.size as number;
    const before = remembered();
    for (let i = 0; i < 20; i++) {
      const junk = `sk-${i}${'x'.repeat(16_000)}`;
      expectError(await post(base, '/chat/completions', junk, chat), 401);
    }
    assert.equal(remembered(), before, 'no made-up key kept');
    const real = await seedToken(t, { user_id: user.id });
    assert.equal((await post(base, '/chat/completions', real.key, chat)).status, 200);
    assert.equal(remembered(), before + 1, 'a real key is');
  });

  it('refuses exhausted tokens and users without quota with 403', async () => {
    const exhausted = await seedToken(t, { user_id: user.id, unlimited_quota: false, remain_quota: 0 });
    expectError(await post(base, '/chat/completions', exhausted.key, chat), 403);
    assert.equal((await tokenRow(t, exhausted.id)).status, 4);
    const poor = await createActor(t, root, 'poor', { quota: 0 });
    const tok = await seedToken(t, { user_id: poor.id });
    const r = await post(base, '/chat/completions', tok.key, chat);
    expectError(r, 403);
    assert.match(r.json.error.message, /quota/);
  });

  it('enforces model limits, the IP allow list, user status and admin-only channel choice', async () => {
    const limited = await seedToken(t, { user_id: user.id, model_limits: 'gpt-4o-mini' });
    expectError(await post(base, '/chat/completions', limited.key, chat), 403);
    assert.equal(
      (await post(base, '/chat/completions', limited.key, { ...chat, model: 'gpt-4o-mini' })).status,
      200,
    );
    const ipOk = await seedToken(t, { user_id: user.id, allow_ips: '10.0.0.0/8\n127.0.0.0/8' });
    assert.equal((await post(base, '/chat/completions', ipOk.key, chat)).status, 200);
    const ipBad = await seedToken(t, { user_id: user.id, allow_ips: '10.0.0.1' });
    expectError(await post(base, '/chat/completions', ipBad.key, chat), 403);
    const pinned = await seedToken(t, { user_id: user.id });
    expectError(await post(base, '/chat/completions', `${pinned.key}-1`, chat), 403);
    await t.ctx.dbs.main.db.updateTable('users').set({ quota: 100_000 }).where('id', '=', root.id).execute();
    const rootTok = await seedToken(t, { user_id: root.id });
    assert.equal((await post(base, '/chat/completions', `${rootTok.key}-1`, chat)).status, 200);
    const gone = await createActor(t, root, 'gone', { quota: 1000 });
    const goneTok = await seedToken(t, { user_id: gone.id });
    await t.ctx.dbs.main.db.updateTable('users').set({ status: 2 }).where('id', '=', gone.id).execute();
    t.ctx.events.emit('user', gone.id);
    expectError(await post(base, '/chat/completions', goneTok.key, chat), 403);
  });

  it('answers 403 for unpriced models and 503 when no channel serves the model', async () => {
    const tok = await seedToken(t, { user_id: user.id });
    const r = await post(base, '/chat/completions', tok.key, { ...chat, model: 'unpriced' });
    expectError(r, 403);
    assert.match(r.json.error.message, /model price not configured/);
    expectError(await post(base, '/chat/completions', tok.key, { ...chat, model: 'no-channel' }), 503);
  });

  it('answers malformed bodies with 400 in OpenAI shape, never 500', async () => {
    const tok = await seedToken(t, { user_id: user.id });
    for (const body of [
      '{not json',
      '[]',
      '"x"',
      { messages: [] },
      { model: 'gpt-4o' },
      { model: 'gpt-4o', messages: 'hi' },
      { model: 5, messages: [{ role: 'user', content: 'x' }] },
    ]) {
      const r = await post(base, '/chat/completions', tok.key, body);
      expectError(r, 400);
    }
    expectError(await post(base, '/embeddings', tok.key, { model: 'gpt-4o' }), 400);
    expectError(
      await post(base, '/completions', tok.key, { model: 'gpt-4o', prompt: 'x', stream: 'yes' }),
      400,
    );
    const models = await fetch(`${base}/models`);
    assert.equal(models.status, 401);
    assert.ok(models.headers.get('x-request-id'));
  });
});

describe('relay retries, error logs and automatic disabling (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let good: FakeUpstream;
  let bad: FakeUpstream;
  let user: Actor;
  let base: string;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'carol', quota: 1_000_000 });
    ({ t, up: good, user, base } = w);
    bad = await startFakeUpstream({ status: 503 });
    await setPricing(t, { ModelRatio: { 'gpt-4o': 1, 'm-fail': 1, 'm-429': 1 } });
  });
  after(async () => {
    await w.close();
    await bad.close();
  });

  it('retries a 5xx channel on another one and lists both attempts in admin_info', async () => {
    const failing = await seedChannel(t, {
      name: 'failing',
      base_url: bad.url,
      models: ['gpt-4o'],
      priority: 10,
    });
    const working = await seedChannel(t, {
      name: 'working',
      base_url: good.url,
      models: ['gpt-4o'],
      priority: 0,
    });
    const tok = await seedToken(t, { user_id: user.id });
    const r = await post(base, '/chat/completions', tok.key, chat);
    assert.equal(r.status, 200);
    await settled(t);
    const log = (await logRows(t, 2)).find((l) => l.token_id === tok.id)!;
    assert.equal(log.channel_id, working);
    const info = JSON.parse(log.other).admin_info;
    assert.deepEqual(info.use_channel, [String(failing), String(working)]);
    assert.equal(info.attempts[0].status, 503);
    assert.equal((await logRows(t, 4)).length, 0, 'no error log when a retry succeeded');
  });

  it('on final failure: refunds, writes one error log, answers the last upstream status', async () => {
    const a = await seedChannel(t, { name: 'a', base_url: bad.url, models: ['m-fail'] });
    const b = await seedChannel(t, { name: 'b', base_url: 'http://127.0.0.1:9', models: ['m-fail'] });
    const tok = await seedToken(t, { user_id: user.id, unlimited_quota: false, remain_quota: 5000 });
    const before = await userRow(t, user.id);
    const r = await post(base, '/chat/completions', tok.key, { ...chat, model: 'm-fail' });
    await settled(t);
    // the order is random between a and b (same priority): the last one decides the status
    const errors = (await logRows(t, 4)).filter((l) => l.token_id === tok.id);
    assert.equal(errors.length, 1);
    const attempts = JSON.parse(errors[0].other).admin_info.attempts;
    assert.equal(attempts.length, 2);
    assert.deepEqual(new Set(attempts.map((x: any) => x.channel_id)), new Set([a, b]));
    assert.equal(r.status, attempts[1].status === 503 ? 503 : 502);
    assert.equal(r.json.error.code, 'upstream_error');
    const after = await userRow(t, user.id);
    assert.equal(after.quota, before.quota);
    assert.equal(after.request_count, before.request_count);
    assert.equal((await tokenRow(t, tok.id)).remain_quota, 5000);
    assert.equal((await logRows(t, 2)).filter((l) => l.token_id === tok.id).length, 0);
  });

  it('does not retry a 400', async () => {
    const up = await startFakeUpstream({ status: 400 });
    await seedChannel(t, { name: 'only', base_url: up.url, models: ['m-429'] });
    const tok = await seedToken(t, { user_id: user.id });
    const r = await post(base, '/chat/completions', tok.key, { ...chat, model: 'm-429' });
    assert.equal(r.status, 400);
    assert.equal(up.requests.length, 1);
    await up.close();
  });
});
