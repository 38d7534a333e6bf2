/**
 * CONTRACT §9, issue 13: New API's own console against Tollgate. Each request below is what that console
 * sends (QuantumNous/new-api web/src: hooks/usage-logs, hooks/dashboard, hooks/tokens, hooks/channels,
 * hooks/redemptions, helpers/data.js, model-pricing), with its empty filters, its `size`, its trailing
 * slashes and its New-Api-User header; each answer is checked for the fields and types the console reads.
 * A legitimate request from that console never gets a 4xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from './support/app.ts';
import type { FakeUpstream } from './support/fake-upstream.ts';
import {
  client,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
} from './support/relay-fixtures.ts';

describe("New API's console requests (sqlite)", () => {
  let w: RelayWorld;
  let t: TestApp;
  let up: FakeUpstream;
  let channelId: number;
  let tokenId: number;
  const now = Math.floor(Date.now() / 1000);
  const start = now - 86_400;
  const end = now + 3600;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'consoleuser', quota: 10_000_000 });
    t = w.t;
    up = w.up;
    await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 0.075 }, CompletionRatio: { 'gpt-4o-mini': 4 } });
    channelId = await seedChannel(t, {
      base_url: up.url,
      models: ['gpt-4o-mini'],
      groups: ['default', 'vip'],
    });
    const tok = await seedToken(t, { user_id: w.user.id });
    tokenId = tok.id;
    await client(w.base, tok.key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await settled(t);
  });
  after(() => w.close());

  const get = async (url: string, who: 'root' | 'user' = 'root') => {
    const r = await t.call({ method: 'GET', url, headers: (who === 'root' ? w.root : w.user).headers });
    assert.equal(r.status, 200, `${url}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.success, true, url);
    return r.body;
  };

  it('usage logs: the list and stat URLs with every filter sent, empty ones included', async () => {
    const admin = await get(
      `/api/log/?p=1&page_size=10&type=0&username=&token_name=&model_name=&start_timestamp=${start}&end_timestamp=${end}&channel=&group=&request_id=`,
    );
    for (const f of ['items', 'total', 'page', 'page_size']) assert.ok(f in admin.data, f);
    assert.equal(admin.data.page, 1);
    assert.equal(admin.data.page_size, 10);
    const row = admin.data.items.find((l: { type: number }) => l.type === 2);
    assert.equal(typeof row.other, 'string', 'other is a JSON string (the console JSON.parses it)');
    assert.equal(row.channel, channelId, 'New API names the channel id `channel`');
    // the first load before any date is chosen sends empty timestamps too (web/classic usageLogsUrls.js)
    await get(
      '/api/log/?p=1&page_size=10&type=0&username=&token_name=&model_name=&start_timestamp=&end_timestamp=&channel=&group=',
    );
    const mine = await get(
      `/api/log/self/?p=1&page_size=10&type=0&token_name=&model_name=&start_timestamp=${start}&end_timestamp=${end}&group=&request_id=`,
      'user',
    );
    assert.ok(mine.data.total >= 1);
    const stat = await get(
      `/api/log/stat?type=0&username=&token_name=&model_name=&start_timestamp=${start}&end_timestamp=${end}&channel=&group=`,
    );
    for (const f of ['quota', 'rpm', 'tpm']) assert.equal(typeof stat.data[f], 'number', f);
    assert.ok(stat.data.quota > 0);
    const selfStat = await get(
      `/api/log/self/stat?type=0&token_name=&model_name=&start_timestamp=${start}&end_timestamp=${end}&group=`,
      'user',
    );
    assert.equal(selfStat.data.quota, stat.data.quota);
  });

  it('dashboard: /api/data/ and /api/data/self/ answer arrays, whatever default_time says; /api/uptime/status answers', async () => {
    const all = await get(
      `/api/data/?username=&start_timestamp=${start}&end_timestamp=${end}&default_time=hour`,
    );
    assert.ok(Array.isArray(all.data));
    assert.ok(all.data.length >= 1);
    for (const f of ['created_at', 'model_name', 'count', 'quota', 'token_used'])
      assert.ok(f in all.data[0], f);
    // a status without data_export_default_time made the console send the string "undefined"
    const mine = await get(
      `/api/data/self/?start_timestamp=${start}&end_timestamp=${end}&default_time=undefined`,
      'user',
    );
    assert.ok(Array.isArray(mine.data));
    assert.deepEqual((await get('/api/uptime/status', 'user')).data, []);
  });

  it('/api/status has every field the console stores, with its type (a missing one becomes "undefined")', async () => {
    const s = (await t.call({ method: 'GET', url: '/api/status', headers: { 'new-api-user': '-1' } })).body
      .data;
    assert.ok(Array.isArray(s.chats), 'chats: an array ("chat data parse failed" otherwise)');
    assert.equal(s.enable_data_export, true, 'the dashboard menu shows');
    assert.equal(s.data_export_default_time, 'hour');
    for (const f of [
      'system_name',
      'logo',
      'footer_html',
      'server_address',
      'top_up_link',
      'docs_link',
      'quota_display_type',
      'version',
    ])
      assert.equal(typeof s[f], 'string', f);
    for (const f of ['quota_per_unit', 'start_time', 'usd_exchange_rate', 'price'])
      assert.equal(typeof s[f], 'number', f);
    for (const f of [
      'setup',
      'display_in_currency',
      'enable_drawing',
      'enable_task',
      'github_oauth',
      'turnstile_check',
      'self_use_mode_enabled',
      'demo_site_enabled',
      'passkey_login',
      'oidc_enabled',
      'checkin_enabled',
    ])
      assert.equal(typeof s[f], 'boolean', f);
    assert.equal(s.setup, true);
    assert.equal(s.enable_drawing, false, 'features Tollgate lacks say off');
    assert.equal(typeof s.HeaderNavModules, 'string');
    // the operator's chat clients, as set
    const chats = [{ 'Cherry Studio': 'cherrystudio://providers/api-keys?v=1&data={cherryConfig}' }];
    await t.ctx.options.set('Chats', JSON.stringify(chats));
    assert.deepEqual((await t.call({ method: 'GET', url: '/api/status' })).body.data.chats, chats);
  });

  it('pricing: enable_groups per model, numbers where the console calls toFixed', async () => {
    const p = (await t.call({ method: 'GET', url: '/api/pricing', headers: w.user.headers })).body;
    const m = p.data.find((x: { model_name: string }) => x.model_name === 'gpt-4o-mini');
    assert.deepEqual(m.enable_groups, ['default', 'vip'], 'the groups serving it that the caller may use');
    assert.deepEqual(m.enable_group, m.enable_groups);
    assert.equal(typeof m.completion_ratio, 'number');
    for (const f of ['vendors', 'group_ratio', 'usable_group', 'supported_endpoint', 'auto_groups'])
      assert.ok(f in p, f);
  });

  it('tokens: `size` is the page size; status_only answers the token; the trailing-slash delete works', async () => {
    for (let i = 0; i < 3; i++) await seedToken(t, { user_id: w.user.id, name: `extra-${i}` });
    const page = await get('/api/token/?p=1&size=2', 'user');
    assert.equal(page.data.page_size, 2);
    assert.equal(page.data.items.length, 2);
    assert.ok(page.data.total >= 4);
    const all = await get('/api/token/search?keyword=&token=&p=1&size=10', 'user');
    assert.equal(all.data.total, page.data.total, 'an empty search is the whole list, paged as asked');
    const named = await get('/api/token/search?keyword=extra-1&token=&p=1&size=10', 'user');
    assert.deepEqual(
      named.data.items.map((x: { name: string }) => x.name),
      ['extra-1'],
    );
    const off = await t.call({
      method: 'PUT',
      url: '/api/token/?status_only=true',
      headers: w.user.headers,
      payload: { id: tokenId, status: 2 },
    });
    assert.equal(off.status, 200);
    assert.equal(off.body.data.status, 2, 'the console reads data.status');
    const victim = page.data.items.find((x: { id: number }) => x.id !== tokenId);
    const del = await t.call({ method: 'DELETE', url: `/api/token/${victim.id}/`, headers: w.user.headers });
    assert.equal(del.status, 200);
  });

  it('group and model pickers: /api/group/, /api/user/self/groups, /api/user/models', async () => {
    assert.deepEqual((await get('/api/group/')).data, ['default', 'svip', 'vip']);
    const groups = (await get('/api/user/self/groups', 'user')).data;
    assert.deepEqual(groups.default, { ratio: 1, desc: 'Default group' });
    assert.equal(typeof groups.vip.ratio, 'number');
    assert.deepEqual((await get('/api/user/models', 'user')).data, ['gpt-4o-mini']);
    assert.deepEqual((await get('/api/user/models?group=svip', 'user')).data, []);
    assert.equal((await t.call({ method: 'GET', url: '/api/group/', headers: w.user.headers })).status, 403);
  });

  it('channel editor: models, models_enabled, fetch_models (stored and unsaved); unknown sub-paths are 404', async () => {
    const known = (await get('/api/channel/models')).data;
    const ids = known.map((m: { id: string }) => m.id);
    assert.ok(ids.includes('gpt-4o-mini'));
    assert.equal(known[0].object, 'model');
    assert.deepEqual((await get('/api/channel/models_enabled')).data, ['gpt-4o-mini']);
    const fetched = await get(`/api/channel/fetch_models/${channelId}`);
    assert.deepEqual(fetched.data, ['fake-model']);
    const asked = up.requests.filter((r) => r.method === 'GET' && r.path === '/v1/models').at(-1)!;
    assert.equal(asked.headers.authorization, 'Bearer upstream-secret', 'asked with the channel key');
    const unsaved = await t.call({
      method: 'POST',
      url: '/api/channel/fetch_models',
      headers: w.root.headers,
      payload: { base_url: up.url, type: 1, key: 'typed-key\nsecond-key' },
    });
    assert.deepEqual(unsaved.body.data, ['fake-model']);
    assert.equal(up.requests.at(-1)!.headers.authorization, 'Bearer typed-key', 'the first of several keys');
    // an upstream that refuses the key: 502 saying why, never the key
    up.setBehavior({ status: 401, errorMessage: 'Incorrect API key provided: upstream-secret' });
    const refused = await t.call({
      method: 'GET',
      url: `/api/channel/fetch_models/${channelId}`,
      headers: w.root.headers,
    });
    up.setBehavior({});
    assert.equal(refused.status, 502);
    assert.match(refused.body.message, /HTTP 401/);
    assert.doesNotMatch(refused.body.message, /upstream-secret/);
    for (const path of [
      '/api/channel/models_typo',
      '/api/channel/fetch_models/abc',
      '/api/user/groups_x',
      '/api/token/search_x',
    ])
      assert.equal(
        (await t.call({ method: 'GET', url: path, headers: w.root.headers })).status,
        404,
        `${path} is not swallowed by /:id`,
      );
    await get('/api/channel/?p=1&page_size=10&id_sort=false&tag_mode=false');
    const chan = await get(`/api/channel/${channelId}`);
    for (const f of ['models', 'group', 'model_mapping']) assert.equal(typeof chan.data[f], 'string', f);
  });
});
