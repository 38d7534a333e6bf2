import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { createChannelBody } from '../src/modules/channels/channels.schema.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp, testConfig } from './support/app.ts';
import { engines, openTestDatabases } from './support/engines.ts';

for (const engine of engines()) {
  describe(`options and public information (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let admin: Actor;
    let alice: Actor; // group default
    let vera: Actor; // group vip
    let ida: Actor; // group internal (not in UserUsableGroups)

    const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, who?: Actor, payload?: object) =>
      t.call({ method, url, headers: who?.headers, payload });
    const setOption = (key: string, value: unknown, who: Actor = root) =>
      call('PUT', '/api/option/', who, { key, value });
    const channel = (name: string, models: string, group: string, extra: object = {}) =>
      call('POST', '/api/channel/', root, {
        name,
        key: 'k-0123456789',
        base_url: 'http://127.0.0.1:9',
        models,
        group,
        ...extra,
      });

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      admin = await createActor(t, root, 'admin1', { role: 10 });
      alice = await createActor(t, root, 'alice');
      vera = await createActor(t, root, 'vera', { group: 'vip' });
      ida = await createActor(t, root, 'ida', { group: 'internal' });
      assert.equal(
        (await channel('c-default', 'gpt-4o,gpt-4o-mini,text-embedding-3-small', 'default')).status,
        200,
      );
      await channel('c-vip', 'gpt-4o,claude-sonnet-4-20250514', 'vip');
      await channel('c-internal', 'secret-model', 'internal');
      await channel('c-off', 'disabled-model', 'default', { status: 2 });
    });
    after(() => t.close());

    test('options: set values read back; secrets never listed; root only', async () => {
      for (const [key, value] of [
        ['Notice', '# Maintenance\nat **02:00** UTC'],
        ['About', 'https://example.com/about'],
        ['HomePageContent', 'Welcome to *Tollgate*'],
      ] as const) {
        assert.equal((await setOption(key, value)).status, 200);
      }
      assert.equal((await call('GET', '/api/notice')).body.data, '# Maintenance\nat **02:00** UTC');
      assert.equal((await call('GET', '/api/about')).body.data, 'https://example.com/about');
      assert.equal((await call('GET', '/api/home_page_content')).body.data, 'Welcome to *Tollgate*');
      const list = await call('GET', '/api/option/', root);
      assert.equal(list.status, 200);
      const keys = list.body.data.map((o: any) => o.key);
      assert.ok(keys.includes('ModelRatio') && keys.includes('Notice'));
      assert.ok(!keys.includes('SessionSecret'));
      assert.ok(
        !JSON.stringify(list.body).includes(
          await t.ctx.dbs.main.db
            .selectFrom('options')
            .select('value')
            .where('key', '=', 'SessionSecret')
            .executeTakeFirst()
            .then((r) => r?.value ?? 'none'),
        ),
      );
      assert.equal((await call('GET', '/api/option/', admin)).status, 403);
      assert.equal((await setOption('Notice', 'x', admin)).status, 403);
    });

    test('options: native JSON values are stored as their string form; invalid values → 400 and the old value stays', async () => {
      assert.equal((await setOption('RetryTimes', 3)).status, 200);
      assert.equal(t.ctx.options.get('RetryTimes'), '3');
      assert.equal((await setOption('RegisterEnabled', false)).body.data.value, 'false');
      await setOption('RegisterEnabled', 'true');
      assert.equal((await setOption('GroupRatio', { default: 1, vip: 0.8, internal: 0.5 })).status, 200);
      const before = t.ctx.options.get('ModelRatio');
      for (const [key, value, why] of [
        ['ModelRatio', '{"gpt-4o": -2}', /non-negative/],
        ['ModelRatio', '{oops', /valid JSON/],
        ['RetentionDays', 'forever', /integer/],
        ['ExposeRatioEnabled', 'maybe', /true or false/],
        ['NoSuchKey', '1', /unknown option key/],
        ['SessionSecret', 'mine', /unknown option key/],
      ] as const) {
        const res = await setOption(key, value);
        assert.equal(res.status, 400, `${key}=${value}`);
        assert.match(res.body.message, why);
      }
      assert.equal(t.ctx.options.get('ModelRatio'), before);
      assert.equal((await call('PUT', '/api/option/', root, { value: 'x' })).status, 400);
    });

    test('ratio_config: the three tables, 403 when ExposeRatioEnabled is off', async () => {
      await setOption('ModelPrice', { 'claude-sonnet-4-20250514': 0.02 });
      const res = await call('GET', '/api/ratio_config');
      assert.equal(res.status, 200);
      assert.equal(res.body.data.model_ratio['gpt-4o'], 1.25, 'default table');
      assert.equal(res.body.data.completion_ratio['gpt-4o'], 4);
      assert.deepEqual(res.body.data.model_price, { 'claude-sonnet-4-20250514': 0.02 });
      await setOption('ExposeRatioEnabled', 'false');
      const off = await call('GET', '/api/ratio_config');
      assert.equal(off.status, 403);
      assert.equal(off.body.success, false);
      await setOption('ExposeRatioEnabled', 'true');
      assert.equal((await call('GET', '/api/ratio_config')).status, 200);
    });

    test('pricing: served models only, groups per caller, quota_type by price, vendors inferred', async () => {
      const anon = (await call('GET', '/api/pricing')).body;
      assert.equal(anon.success, true);
      const byName = (body: any) => Object.fromEntries(body.data.map((m: any) => [m.model_name, m]));
      const a = byName(anon);
      assert.deepEqual(Object.keys(a).sort(), [
        'claude-sonnet-4-20250514',
        'gpt-4o',
        'gpt-4o-mini',
        'text-embedding-3-small',
      ]);
      assert.deepEqual(a['gpt-4o'].enable_group, ['default', 'vip']);
      assert.equal(a['gpt-4o'].quota_type, 0);
      assert.equal(a['gpt-4o'].model_price, -1);
      assert.equal(a['claude-sonnet-4-20250514'].quota_type, 1);
      assert.equal(a['claude-sonnet-4-20250514'].model_price, 0.02);
      assert.deepEqual(a['text-embedding-3-small'].supported_endpoint_types, [2]);
      assert.deepEqual(a['gpt-4o'].supported_endpoint_types, [1, 4, 5, 6]);
      assert.deepEqual(anon.supported_endpoint['1'], { method: 'POST', path: '/v1/chat/completions' });
      const openai = anon.vendors.find((v: any) => v.name === 'OpenAI');
      assert.equal(a['gpt-4o'].vendor_id, openai.id);
      assert.deepEqual(Object.keys(anon.usable_group).sort(), ['default', 'vip']);
      assert.deepEqual(anon.group_ratio, { default: 1, vip: 0.8 });
      const vendorsBefore = (await call('GET', '/api/vendors/', admin)).body.data.length;

      const idas = byName((await call('GET', '/api/pricing', ida)).body);
      assert.ok(idas['secret-model'], 'a user sees models of its own group');
      assert.deepEqual(idas['secret-model'].enable_group, ['internal']);
      const idaBody = (await call('GET', '/api/pricing', ida)).body;
      assert.equal(idaBody.group_ratio.internal, 0.5);
      assert.ok(!byName((await call('GET', '/api/pricing', alice)).body)['secret-model'], 'others do not');

      await setOption('UserUsableGroups', { default: 'Default group' });
      const narrowed = byName((await call('GET', '/api/pricing')).body);
      assert.ok(!narrowed['claude-sonnet-4-20250514'], 'vip-only model hidden once vip is not public');
      assert.deepEqual(narrowed['gpt-4o'].enable_group, ['default']);
      assert.ok(
        byName((await call('GET', '/api/pricing', vera)).body)['claude-sonnet-4-20250514'],
        'vip user still sees it',
      );
      await setOption('UserUsableGroups', { default: 'Default group', vip: 'VIP group' });
      assert.equal(
        (await call('GET', '/api/vendors/', admin)).body.data.length,
        vendorsBefore,
        'reads wrote nothing',
      );
    });

    test('pricing cache follows channel and metadata changes', async () => {
      const before = (await call('GET', '/api/pricing')).body.data.length;
      const id = (await channel('c-new', 'brand-new-model', 'default')).body.data.id;
      const names = (await call('GET', '/api/pricing')).body.data.map((m: any) => m.model_name);
      assert.ok(names.includes('brand-new-model'));
      const vendor = (
        await call('POST', '/api/vendors/', admin, { name: 'Acme', description: 'Acme AI', icon: 'acme.svg' })
      ).body.data;
      const meta = await call('POST', '/api/models/meta/', admin, {
        model_name: 'brand-new-model',
        description: 'A new model',
        vendor_id: vendor.id,
      });
      assert.equal(meta.status, 200, JSON.stringify(meta.body));
      const item = (await call('GET', '/api/pricing')).body.data.find(
        (m: any) => m.model_name === 'brand-new-model',
      );
      assert.equal(item.description, 'A new model');
      assert.equal(item.vendor_id, vendor.id);
      await call('PUT', '/api/channel/', root, { id, status: 2 });
      assert.equal((await call('GET', '/api/pricing')).body.data.length, before);
    });

    test('vendors and model metadata: CRUD, duplicates 409, bad vendor 400, admin only', async () => {
      const v = (await call('POST', '/api/vendors/', admin, { name: 'Zeta' })).body.data;
      assert.equal((await call('POST', '/api/vendors/', admin, { name: 'Zeta' })).status, 409);
      const upd = await call('PUT', '/api/vendors/', admin, { id: v.id, description: 'Z', icon: 'z.png' });
      assert.equal(upd.body.data.description, 'Z');
      assert.equal(upd.body.data.name, 'Zeta');
      assert.equal((await call('GET', `/api/vendors/${v.id}`, admin)).body.data.icon, 'z.png');
      const bad = await call('POST', '/api/models/meta/', admin, { model_name: 'm', vendor_id: 999999 });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^vendor_id/);
      const m = (await call('POST', '/api/models/meta/', admin, { model_name: 'zeta-1', vendor_id: v.id }))
        .body.data;
      assert.equal((await call('POST', '/api/models/meta/', admin, { model_name: 'zeta-1' })).status, 409);
      assert.equal(
        (await call('PUT', '/api/models/meta/', admin, { id: m.id, tags: 'fast' })).body.data.tags,
        'fast',
      );
      assert.equal((await call('DELETE', `/api/models/meta/${m.id}`, admin)).status, 200);
      assert.equal((await call('GET', `/api/models/meta/${m.id}`, admin)).status, 404);
      assert.equal((await call('DELETE', `/api/vendors/${v.id}`, admin)).status, 200);
      assert.equal((await call('GET', '/api/vendors/', alice)).status, 403);
      assert.equal((await call('POST', '/api/vendors/', admin, { name: '' })).status, 400);
    });

    test('/api/models: channels of the groups the caller may use, never others', async () => {
      const res = await call('GET', '/api/models', alice);
      assert.equal(res.status, 200);
      const models = Object.values(res.body.data).flat();
      assert.ok(models.includes('gpt-4o') && models.includes('claude-sonnet-4-20250514'));
      assert.ok(!models.includes('secret-model') && !models.includes('disabled-model'));
      const idas = Object.values((await call('GET', '/api/models', ida)).body.data).flat();
      assert.ok(idas.includes('secret-model'));
      assert.equal((await call('GET', '/api/models')).status, 401);
    });

    test('status: what the console needs at start', async () => {
      const s = (await call('GET', '/api/status')).body.data;
      assert.equal(s.setup, true);
      assert.equal(s.quota_per_unit, 500000);
      assert.equal(typeof s.system_name, 'string');
      assert.equal(typeof s.register_enabled, 'boolean');
    });

    test('another instance on the same database sees a change after its reload (no Redis)', async () => {
      const db = t.ctx.dbs.main;
      const other = await buildApp({
        config: testConfig(),
        dbs: { main: db, logs: t.ctx.dbs.logs, separateLogDb: false, close: async () => {} },
      });
      try {
        await setOption('Notice', 'from instance one');
        assert.notEqual(other.ctx.options.get('Notice'), 'from instance one');
        await other.ctx.sync.reload();
        assert.equal(other.ctx.options.get('Notice'), 'from instance one');
      } finally {
        await other.app.close();
      }
    });
  });
}

const redisUrl = process.env.TEST_REDIS_URL;
const pgEngine = engines().find((e) => e.name === 'postgres') ?? engines()[0];
describe('options across instances through Redis', {
  skip: redisUrl ? false : 'TEST_REDIS_URL is not set',
}, () => {
  test('a change on one instance reaches the other through pub/sub, long before the 60 s safety reload', async () => {
    const shared = await openTestDatabases(pgEngine);
    const second = openDatabases({ sqlDsn: shared.db.dsn, sqlitePath: shared.db.sqlitePath, logSqlDsn: '' });
    const [ra, rb] = [createClient({ url: redisUrl }), createClient({ url: redisUrl })];
    await Promise.all([ra.connect(), rb.connect()]);
    const config = testConfig();
    const a = await buildApp({ config, dbs: shared.dbs, redis: ra as any });
    const b = await buildApp({ config, dbs: second, redis: rb as any });
    try {
      const seen = new Promise<number>((resolve) => {
        const t0 = Date.now();
        b.ctx.events.on('option', (key) => {
          if (key === 'Notice') resolve(Date.now() - t0);
        });
      });
      await a.ctx.options.set('Notice', `pubsub ${Date.now()}`);
      const ms = await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      assert.ok(ms >= 0, 'instance two was not told within 5 s');
      assert.equal(b.ctx.options.get('Notice'), a.ctx.options.get('Notice'));

      // a channel created on one instance drops the other's cached pricing at once
      const before = JSON.parse((await b.app.inject({ method: 'GET', url: '/api/pricing' })).body).data;
      const heard = new Promise<void>((resolve) => b.ctx.events.on('channel', () => resolve()));
      await a.ctx.channels.create(
        createChannelBody.parse({
          name: 'x',
          key: 'k-0123456789',
          base_url: 'http://127.0.0.1:9',
          models: 'cross-instance-model',
        }),
      );
      await Promise.race([heard, new Promise((r) => setTimeout(r, 5000))]);
      const after = JSON.parse((await b.app.inject({ method: 'GET', url: '/api/pricing' })).body).data;
      assert.equal(after.length, before.length + 1);
      assert.ok(after.some((m: any) => m.model_name === 'cross-instance-model'));
    } finally {
      await a.app.close();
      await b.app.close();
      await second.close();
      await shared.close();
      await Promise.all([ra.quit(), rb.quit()]);
    }
  });
});
