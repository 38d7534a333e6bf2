import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

for (const engine of engines()) {
  describe(`tokens (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let alice: Actor;
    let bob: Actor;

    const create = (who: Actor, payload: object) =>
      t.call({ method: 'POST', url: '/api/token/', headers: who.headers, payload });

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      alice = await createActor(t, root, 'alice');
      bob = await createActor(t, root, 'bob', { group: 'vip' });
    });
    after(() => t.close());

    test('create shows the full key once; lists and gets mask it', async () => {
      const res = await create(alice, {
        name: 'ci',
        remain_quota: 5000,
        unlimited_quota: false,
        model_limits_enabled: true,
        model_limits: 'gpt-4o, gpt-4o-mini,,gpt-4o',
        allow_ips: '10.0.0.0/8\n2001:db8::/32, 192.168.1.7',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const tok = res.body.data;
      assert.match(tok.key, /^sk-[A-Za-z0-9]{48}$/);
      assert.equal(tok.status, 1);
      assert.equal(tok.expired_time, -1);
      assert.equal(tok.unlimited_quota, false);
      assert.equal(tok.model_limits_enabled, true);
      assert.equal(tok.model_limits, 'gpt-4o,gpt-4o-mini');
      assert.equal(tok.allow_ips, '10.0.0.0/8\n2001:db8::/32\n192.168.1.7');

      // CONTRACT §10: the row holds a keyed hash and an encrypted copy, never the key
      const stored = await t.ctx.dbs.main.db
        .selectFrom('tokens')
        .selectAll()
        .where('id', '=', tok.id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(stored).includes(tok.key.slice(3)), 'the key is not stored in clear');
      assert.match(stored.key, /^[0-9a-f]{64}$/);
      assert.equal(stored.key, t.ctx.tokens.hashKey(tok.key.slice(3)));

      const masked = `sk-${tok.key.slice(3, 7)}****${tok.key.slice(-4)}`;
      const list = await t.call({ method: 'GET', url: '/api/token/', headers: alice.headers });
      assert.equal(list.status, 200);
      assert.equal(list.body.data.total, 1);
      assert.equal(list.body.data.items[0].key, masked);
      assert.ok(!JSON.stringify(list.body).includes(tok.key.slice(3)), 'list never carries the full key');
      const one = await t.call({ method: 'GET', url: `/api/token/${tok.id}`, headers: alice.headers });
      assert.equal(one.body.data.key, masked);

      const full = await t.call({ method: 'POST', url: `/api/token/${tok.id}/key`, headers: alice.headers });
      assert.equal(full.body.data, tok.key);
    });

    test('plain keys of older rows (or New API imports) are sealed at start and keep working', async () => {
      const plain = 'LegacyKey0123456789abcdefghijklmnopqrstuvwxyzABCD';
      const id = await t.ctx.dbs.main.dialect.insertId(t.ctx.dbs.main.db, 'tokens', {
        user_id: alice.id,
        key: plain,
        name: 'legacy',
        status: 1,
        created_time: 1,
        accessed_time: 0,
        expired_time: -1,
        remain_quota: 0,
        unlimited_quota: 1,
        used_quota: 0,
        model_limits_enabled: 0,
        model_limits: '',
        allow_ips: '',
        group: '',
      });
      assert.equal(await t.ctx.tokens.sealPlainKeys(), 1);
      assert.equal(await t.ctx.tokens.sealPlainKeys(), 0, 'converted once');
      const row = await t.ctx.dbs.main.db
        .selectFrom('tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.notEqual(row.key, plain);
      assert.equal((await t.ctx.tokens.findByKey(plain))?.id, id);
      const full = await t.call({ method: 'POST', url: `/api/token/${id}/key`, headers: alice.headers });
      assert.equal(full.body.data, `sk-${plain}`);
      const list = await t.call({
        method: 'GET',
        url: '/api/token/search?keyword=legacy',
        headers: alice.headers,
      });
      assert.equal(list.body.data[0].key, 'sk-Lega****ABCD');
      await t.call({ method: 'DELETE', url: `/api/token/${id}`, headers: alice.headers });
    });

    test('keys are unique and random across many creations', async () => {
      const keys = new Set<string>();
      for (let i = 0; i < 20; i++)
        keys.add((await create(bob, { name: `k${i}`, unlimited_quota: true })).body.data.key);
      assert.equal(keys.size, 20);
    });

    test("another user's token ids are 404 for read, key, update and delete", async () => {
      const mine = (await create(alice, { name: 'private', unlimited_quota: true })).body.data;
      const calls = [
        { method: 'GET', url: `/api/token/${mine.id}` },
        { method: 'POST', url: `/api/token/${mine.id}/key` },
        { method: 'PUT', url: '/api/token/', payload: { id: mine.id, name: 'stolen' } },
        { method: 'PUT', url: '/api/token/?status_only=1', payload: { id: mine.id, status: 2 } },
        { method: 'DELETE', url: `/api/token/${mine.id}` },
      ] as const;
      for (const c of calls) {
        const res = await t.call({ ...c, headers: bob.headers });
        assert.equal(res.status, 404, `${c.method} ${c.url}`);
      }
      const still = await t.call({ method: 'GET', url: `/api/token/${mine.id}`, headers: alice.headers });
      assert.equal(still.body.data.name, 'private');
      assert.equal(still.body.data.status, 1);
      const bobs = await t.call({ method: 'GET', url: '/api/token/?page_size=100', headers: bob.headers });
      assert.ok(bobs.body.data.items.every((x: any) => x.user_id === bob.id));
    });

    test('pagination is newest first and total counts only the caller', async () => {
      const p1 = await t.call({ method: 'GET', url: '/api/token/?p=1&page_size=7', headers: bob.headers });
      const p3 = await t.call({ method: 'GET', url: '/api/token/?p=3&page_size=7', headers: bob.headers });
      assert.equal(p1.body.data.total, 20);
      assert.equal(p1.body.data.items.length, 7);
      assert.equal(p3.body.data.items.length, 6);
      const ids = p1.body.data.items.map((x: any) => x.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
      );
      const bad = await t.call({ method: 'GET', url: '/api/token/?p=abc', headers: bob.headers });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^p /);
    });

    test('update: fields present replace, others keep; status_only changes the status alone', async () => {
      const tok = (await create(alice, { name: 'upd', remain_quota: 10 })).body.data;
      const res = await t.call({
        method: 'PUT',
        url: '/api/token/',
        headers: alice.headers,
        payload: { id: tok.id, name: 'renamed', remain_quota: 99 },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.name, 'renamed');
      assert.equal(res.body.data.remain_quota, 99);
      assert.equal(res.body.data.unlimited_quota, false);
      const st = await t.call({
        method: 'PUT',
        url: '/api/token/?status_only=1',
        headers: alice.headers,
        payload: { id: tok.id, status: 2, name: 'ignored' },
      });
      assert.equal(st.body.data.status, 2);
      assert.equal(st.body.data.name, 'renamed');
    });

    test('an expired or exhausted token is not re-enabled until its expiry or quota allows it', async () => {
      const tok = (await create(alice, { name: 'exp', unlimited_quota: true })).body.data;
      const past = Math.floor(Date.now() / 1000) - 10;
      await t.ctx.dbs.main.db
        .updateTable('tokens')
        .set({ status: 3, expired_time: past })
        .where('id', '=', tok.id)
        .execute();
      const refused = await t.call({
        method: 'PUT',
        url: '/api/token/?status_only=1',
        headers: alice.headers,
        payload: { id: tok.id, status: 1 },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.success, false);
      assert.match(refused.body.message, /expired/);
      const fixed = await t.call({
        method: 'PUT',
        url: '/api/token/',
        headers: alice.headers,
        payload: { id: tok.id, status: 1, expired_time: -1 },
      });
      assert.equal(fixed.status, 200);
      assert.equal(fixed.body.data.status, 1);

      const ex = (await create(alice, { name: 'exh', remain_quota: 0 })).body.data;
      await t.ctx.dbs.main.db.updateTable('tokens').set({ status: 4 }).where('id', '=', ex.id).execute();
      const no = await t.call({
        method: 'PUT',
        url: '/api/token/?status_only=1',
        headers: alice.headers,
        payload: { id: ex.id, status: 1 },
      });
      assert.equal(no.status, 400);
      assert.match(no.body.message, /no quota left/);
      const yes = await t.call({
        method: 'PUT',
        url: '/api/token/',
        headers: alice.headers,
        payload: { id: ex.id, status: 1, remain_quota: 50 },
      });
      assert.equal(yes.body.data.status, 1);
    });

    test('bad input → 400 naming the field, nothing stored', async () => {
      const before = (await t.call({ method: 'GET', url: '/api/token/', headers: alice.headers })).body.data
        .total;
      const cases: Array<[object, string]> = [
        [{ name: 'x', allow_ips: '10.0.0.0/33' }, 'allow_ips'],
        [{ name: 'x', allow_ips: 'not-an-ip' }, 'allow_ips'],
        [{ name: 'x', allow_ips: 'fe80::/200' }, 'allow_ips'],
        [{ name: 'x', remain_quota: -1 }, 'remain_quota'],
        [{ name: 'x', remain_quota: 1.5 }, 'remain_quota'],
        [{ name: 'x', expired_time: -5 }, 'expired_time'],
        [{ name: 'x', expired_time: 1000 }, 'expired_time'],
        [{ name: 'y'.repeat(51) }, 'name'],
        [{}, 'name'],
        [{ name: 'x', group: 'svip' }, 'group'],
        [{ name: 'x', unlimited_quota: 'yes' }, 'unlimited_quota'],
      ];
      for (const [payload, field] of cases) {
        const res = await create(alice, payload);
        assert.equal(res.status, 400, `${JSON.stringify(payload)} → ${res.status}`);
        assert.ok(res.body.message.startsWith(field), `${JSON.stringify(payload)}: ${res.body.message}`);
      }
      const tok = (await create(alice, { name: 'keep' })).body.data;
      const badStatus = await t.call({
        method: 'PUT',
        url: '/api/token/',
        headers: alice.headers,
        payload: { id: tok.id, status: 7 },
      });
      assert.equal(badStatus.status, 400);
      assert.match(badStatus.body.message, /^status /);
      const after = (await t.call({ method: 'GET', url: '/api/token/', headers: alice.headers })).body.data
        .total;
      assert.equal(after, before + 1);
    });

    test('group must be one the user may use: own group or UserUsableGroups', async () => {
      assert.equal((await create(bob, { name: 'g', group: 'vip' })).status, 200);
      assert.equal(
        (await create(alice, { name: 'g', group: 'vip' })).status,
        200,
        'vip is in UserUsableGroups',
      );
      await t.ctx.options.set('UserUsableGroups', JSON.stringify({ default: 'Default' }));
      assert.equal((await create(alice, { name: 'g', group: 'vip' })).status, 400);
      assert.equal((await create(bob, { name: 'g', group: 'vip' })).status, 200, "bob's own group");
      await t.ctx.options.set(
        'UserUsableGroups',
        JSON.stringify({ default: 'Default group', vip: 'VIP group' }),
      );
    });

    test("search: name contains the keyword, only the caller's, % and _ literal", async () => {
      await create(alice, { name: 'prod_100%' });
      await create(alice, { name: 'prodX100' });
      const hit = await t.call({
        method: 'GET',
        url: `/api/token/search?keyword=${encodeURIComponent('d_100%')}`,
        headers: alice.headers,
      });
      assert.equal(hit.status, 200);
      assert.deepEqual(
        hit.body.data.map((x: any) => x.name),
        ['prod_100%'],
      );
      assert.ok(hit.body.data[0].key.includes('****'));
      const none = await t.call({
        method: 'GET',
        url: '/api/token/search?keyword=PROD',
        headers: bob.headers,
      });
      assert.deepEqual(none.body.data, []);
      const ci = await t.call({
        method: 'GET',
        url: '/api/token/search?keyword=PROD',
        headers: alice.headers,
      });
      assert.equal(ci.body.data.length, 2);
      const empty = await t.call({
        method: 'GET',
        url: '/api/token/search?keyword=',
        headers: alice.headers,
      });
      // empty = absent (CONTRACT §1): the caller's tokens, newest first, as New API answers it
      assert.equal(empty.status, 200);
      assert.ok(empty.body.data.length >= 2);
      assert.ok(empty.body.data.every((x: { user_id: number }) => x.user_id === alice.id));
    });

    test('per-user token limit (option TokenLimitPerUser)', async () => {
      const carol = await createActor(t, root, 'carol');
      await t.ctx.options.set('TokenLimitPerUser', '2');
      assert.equal((await create(carol, { name: 'a' })).status, 200);
      assert.equal((await create(carol, { name: 'b' })).status, 200);
      const third = await create(carol, { name: 'c' });
      assert.equal(third.status, 403);
      assert.match(third.body.message, /at most 2 tokens/);
      await t.ctx.options.set('TokenLimitPerUser', '1000');
    });

    test('delete removes the token; the relay refuses its key at once', async () => {
      const tok = (await create(alice, { name: 'gone', unlimited_quota: true })).body.data;
      assert.ok(
        await t.ctx.relay.pipeline.deps.tokenAuth.authenticate(
          { authorization: `Bearer ${tok.key}` },
          '127.0.0.1',
          Math.floor(Date.now() / 1000),
        ),
      );
      const del = await t.call({ method: 'DELETE', url: `/api/token/${tok.id}`, headers: alice.headers });
      assert.equal(del.status, 200);
      assert.equal(
        (await t.call({ method: 'GET', url: `/api/token/${tok.id}`, headers: alice.headers })).status,
        404,
      );
      await assert.rejects(
        t.ctx.relay.pipeline.deps.tokenAuth.authenticate(
          { authorization: `Bearer ${tok.key}` },
          '127.0.0.1',
          Math.floor(Date.now() / 1000),
        ),
        /invalid API key/,
      );
    });

    test("batch disable/enable/delete: the caller's own tokens only, the relay follows at once", async () => {
      const auth = (key: string) =>
        t.ctx.relay.pipeline.deps.tokenAuth.authenticate(
          { authorization: `Bearer ${key}` },
          '127.0.0.1',
          Math.floor(Date.now() / 1000),
        );
      const call = (who: Actor, method: 'POST' | 'PUT', url: string, payload: object) =>
        t.call({ method, url, headers: who.headers, payload });
      const a1 = (await create(alice, { name: 'bt1', unlimited_quota: true })).body.data;
      const a2 = (await create(alice, { name: 'bt2', unlimited_quota: true })).body.data;
      const b1 = (await create(bob, { name: 'bt-bob', unlimited_quota: true })).body.data;
      assert.ok(await auth(a1.key), 'cached as valid before the batch');

      // bob's id in alice's batch is not hers: untouched, not counted
      const off = await call(alice, 'PUT', '/api/token/batch/status', {
        ids: [a1.id, a2.id, b1.id],
        status: 2,
      });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.data, 2);
      await assert.rejects(auth(a1.key), /disabled/);
      assert.ok(await auth(b1.key), "bob's token still works");

      // enabling is all or nothing: an expired one is named and nothing changes
      const old = (await create(alice, { name: 'bt-old', unlimited_quota: true })).body.data;
      await t.ctx.dbs.main.db
        .updateTable('tokens')
        .set({ expired_time: 1, status: 2 })
        .where('id', '=', old.id)
        .execute();
      const refused = await call(alice, 'PUT', '/api/token/batch/status', {
        ids: [a1.id, old.id],
        status: 1,
      });
      assert.equal(refused.status, 400);
      assert.match(refused.body.message, /^token #\d+ "bt-old": the token has expired/);
      await assert.rejects(auth(a1.key), /disabled/, 'a1 still off');
      assert.equal(
        (await call(alice, 'PUT', '/api/token/batch/status', { ids: [a1.id], status: 1 })).body.data,
        1,
      );
      assert.ok(await auth(a1.key));

      const gone = await call(alice, 'POST', '/api/token/batch', { ids: [a1.id, a2.id, b1.id, 999_999] });
      assert.equal(gone.body.data, 2);
      await assert.rejects(auth(a1.key), /invalid API key/);
      assert.ok(await auth(b1.key), "bob's token survives alice's batch delete");
      for (const [method, url, body, field] of [
        ['POST', '/api/token/batch', { ids: [] }, 'ids'],
        ['POST', '/api/token/batch', { ids: Array.from({ length: 501 }, (_, i) => i + 1) }, 'ids'],
        ['PUT', '/api/token/batch/status', { ids: [1], status: 3 }, 'status'],
      ] as const) {
        const r = await call(alice, method, url, body);
        assert.equal(r.status, 400, url);
        assert.match(r.body.message, new RegExp(`^${field}`));
      }
    });

    test('anonymous callers get 401', async () => {
      assert.equal((await t.call({ method: 'GET', url: '/api/token/' })).status, 401);
    });
  });
}
