import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

const SECRET_FIELDS = ['password', 'access_token_hash', 'access_token'];

function assertNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  for (const f of SECRET_FIELDS) assert.ok(!text.includes(`"${f}"`), `answer leaks ${f}`);
}

for (const engine of engines()) {
  describe(`users (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let admin: Actor;
    let bob: Actor;

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      admin = await createActor(t, root, 'admin1', { role: 10 });
      bob = await createActor(t, root, 'bob', { quota: 1000 });
    });
    after(() => t.close());

    test('setup runs once; GET /api/setup reports it', async () => {
      const status = await t.call({ method: 'GET', url: '/api/setup' });
      assert.deepEqual(
        { status: status.body.data.status, root_init: status.body.data.root_init },
        { status: true, root_init: true },
      );
      const again = await t.call({
        method: 'POST',
        url: '/api/setup',
        payload: { username: 'x', password: 'password-1' },
      });
      assert.equal(again.status, 409);
      const st = await t.call({ method: 'GET', url: '/api/status/' });
      assert.equal(st.body.data.setup, true);
    });

    test('register: creates a plain user with QuotaForNewUser; duplicates → 409; bad fields → 400 naming them', async () => {
      await t.ctx.options.set('QuotaForNewUser', '777');
      const res = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 'newbie', password: 'newbie-pass' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.role, 1);
      const self = await t.call({
        method: 'GET',
        url: `/api/user/${res.body.data.id}`,
        headers: root.headers,
      });
      assert.equal(self.body.data.quota, 777);
      const dup = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 'newbie', password: 'other-pass' },
      });
      assert.equal(dup.status, 409);
      const short = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 'shorty', password: 'abc' },
      });
      assert.equal(short.status, 400);
      assert.match(short.body.message, /password/);
      const typed = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 42, password: 'abcdefgh' },
      });
      assert.equal(typed.status, 400);
      assert.match(typed.body.message, /username/);
      await t.ctx.options.set('RegisterEnabled', 'false');
      const off = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 'late', password: 'late-pass1' },
      });
      assert.equal(off.status, 403);
      await t.ctx.options.set('RegisterEnabled', 'true');
    });

    test('admin list is paged and never shows secrets', async () => {
      const res = await t.call({ method: 'GET', url: '/api/user/?p=1&page_size=2', headers: admin.headers });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.items.length, 2);
      assert.equal(res.body.data.page_size, 2);
      assert.ok(res.body.data.total >= 4);
      assertNoSecrets(res.body);
      const big = await t.call({ method: 'GET', url: '/api/user/?page_size=1000', headers: admin.headers });
      assert.equal(big.body.data.page_size, 100);
      const bad = await t.call({ method: 'GET', url: '/api/user/?p=1.5', headers: admin.headers });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^p /);
      const search = await t.call({ method: 'GET', url: '/api/user/?keyword=BO', headers: admin.headers });
      assert.deepEqual(
        search.body.data.items.map((u: { username: string }) => u.username),
        ['bob'],
      );
      const pct = await t.call({ method: 'GET', url: '/api/user/?keyword=%25', headers: admin.headers });
      assert.equal(pct.body.data.total, 0, 'a % keyword matches nothing literal, not everything');
      assertNoSecrets(await t.call({ method: 'GET', url: `/api/user/${bob.id}`, headers: admin.headers }));
      assertNoSecrets(await t.call({ method: 'GET', url: '/api/user/self', headers: bob.headers }));
    });

    test('add_quota: add, subtract, override; below zero → 400; every change writes a manage log', async () => {
      const manage = (payload: object) =>
        t.call({ method: 'POST', url: '/api/user/manage', headers: admin.headers, payload });
      const add = await manage({ id: bob.id, action: 'add_quota', mode: 'add', value: 500 });
      assert.equal(add.status, 200);
      assert.equal(add.body.data, 1500);
      const sub = await manage({ id: bob.id, action: 'add_quota', mode: 'subtract', value: 200 });
      assert.equal(sub.body.data, 1300);
      const tooMuch = await manage({ id: bob.id, action: 'add_quota', mode: 'subtract', value: 5000 });
      assert.equal(tooMuch.status, 400);
      const over = await manage({ id: bob.id, action: 'add_quota', mode: 'override', value: 42 });
      assert.equal(over.body.data, 42);
      const neg = await manage({ id: bob.id, action: 'add_quota', mode: 'add', value: -5 });
      assert.equal(neg.status, 400);
      assert.match(neg.body.message, /value/);
      const noMode = await manage({ id: bob.id, action: 'add_quota', value: 5 });
      assert.equal(noMode.status, 400);
      assert.match(noMode.body.message, /mode/);
      await t.ctx.logWriter.flush();
      const logs = await t.ctx.dbs.logs.db
        .selectFrom('logs')
        .select(['type', 'content', 'user_id'])
        .where('user_id', '=', bob.id)
        .orderBy('id')
        .execute();
      assert.equal(logs.length, 3);
      assert.ok(logs.every((l) => l.type === 3));
      assert.match(logs[0].content, /from 1000 to 1500/);
      assert.match(logs[2].content, /from 1300 to 42/);
      const self = await t.call({ method: 'GET', url: '/api/user/self', headers: bob.headers });
      assert.equal(self.body.data.quota, 42);
    });

    test('role rules: admins manage only lower roles; only root promotes/demotes; root cannot be disabled', async () => {
      const manage = (who: Actor, payload: object) =>
        t.call({ method: 'POST', url: '/api/user/manage', headers: who.headers, payload });
      assert.equal((await manage(admin, { id: root.id, action: 'disable' })).status, 403);
      assert.equal((await manage(admin, { id: bob.id, action: 'promote' })).status, 403);
      assert.equal((await manage(root, { id: root.id, action: 'disable' })).status, 403);
      const promoted = await manage(root, { id: bob.id, action: 'promote' });
      assert.equal(promoted.body.data.role, 10);
      const demoted = await manage(root, { id: bob.id, action: 'demote' });
      assert.equal(demoted.body.data.role, 1);
      const createAdmin = await t.call({
        method: 'POST',
        url: '/api/user/',
        headers: admin.headers,
        payload: { username: 'admin2', password: 'password-2', role: 10 },
      });
      assert.equal(createAdmin.status, 403);
      const unknownAction = await manage(root, { id: bob.id, action: 'explode' });
      assert.equal(unknownAction.status, 400);
      assert.match(unknownAction.body.message, /action/);
    });

    test('batch enable/disable/delete: checked first (one refusal changes nothing), sessions end', async () => {
      const batch = (who: Actor, payload: object) =>
        t.call({ method: 'POST', url: '/api/user/manage/batch', headers: who.headers, payload });
      const u1 = await createActor(t, root, 'batch1');
      const u2 = await createActor(t, root, 'batch2');
      const status = async (id: number) =>
        (await t.call({ method: 'GET', url: `/api/user/${id}`, headers: root.headers })).body.data.status;

      // an admin may not touch root: refused by name, u1 untouched
      const refused = await batch(admin, { ids: [u1.id, root.id], action: 'disable' });
      assert.equal(refused.status, 403);
      assert.match(refused.body.message, /^user "root"/);
      assert.equal(await status(u1.id), 1);
      const unknown = await batch(admin, { ids: [u1.id, 999_999], action: 'disable' });
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.message, /#999999/);
      assert.equal(await status(u1.id), 1);

      const off = await batch(admin, { ids: [u1.id, u2.id], action: 'disable' });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.data, 2);
      assert.deepEqual([await status(u1.id), await status(u2.id)], [2, 2]);
      const self = await t.call({ method: 'GET', url: '/api/user/self', headers: u1.headers });
      assert.equal(self.status, 403, 'the disabled user is refused at once');
      assert.match(self.body.message, /disabled/);
      assert.equal((await batch(admin, { ids: [u1.id], action: 'enable' })).body.data, 1);
      assert.equal(await status(u1.id), 1);
      assert.equal((await batch(admin, { ids: [u1.id, u2.id], action: 'delete' })).body.data, 2);
      assert.equal(
        (await t.call({ method: 'GET', url: `/api/user/${u2.id}`, headers: root.headers })).status,
        404,
      );
      for (const [body, field] of [
        [{ ids: [], action: 'disable' }, 'ids'],
        [{ ids: [bob.id], action: 'promote' }, 'action'],
      ] as const) {
        const r = await batch(admin, body);
        assert.equal(r.status, 400);
        assert.match(r.body.message, new RegExp(`^${field}`));
      }
      assert.equal((await batch(bob, { ids: [bob.id], action: 'disable' })).status, 403);
    });

    test('update: admin edits fields; quota change is logged; unknown id → 404', async () => {
      const res = await t.call({
        method: 'PUT',
        url: '/api/user/',
        headers: admin.headers,
        payload: { id: bob.id, display_name: 'Bobby', group: 'vip', quota: 100 },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.display_name, 'Bobby');
      assert.equal(res.body.data.group, 'vip');
      assert.equal(res.body.data.quota, 100);
      const missing = await t.call({
        method: 'PUT',
        url: '/api/user/',
        headers: admin.headers,
        payload: { id: 99999 },
      });
      assert.equal(missing.status, 404);
      const self = await t.call({
        method: 'PUT',
        url: '/api/user/self',
        headers: bob.headers,
        payload: { display_name: 'B' },
      });
      assert.equal(self.body.data.display_name, 'B');
      const wrongOld = await t.call({
        method: 'PUT',
        url: '/api/user/self',
        headers: bob.headers,
        payload: { password: 'new-password', original_password: 'nope' },
      });
      assert.equal(wrongOld.status, 400);
    });

    test('delete is soft: 404 afterwards, cannot log in or use its access token, name stays taken, logs stay', async () => {
      const victim = await createActor(t, root, 'victim');
      await t.call({
        method: 'POST',
        url: '/api/user/manage',
        headers: root.headers,
        payload: { id: victim.id, action: 'add_quota', mode: 'add', value: 5 },
      });
      const del = await t.call({ method: 'DELETE', url: `/api/user/${victim.id}`, headers: admin.headers });
      assert.equal(del.status, 200);
      assert.equal(
        (await t.call({ method: 'GET', url: `/api/user/${victim.id}`, headers: admin.headers })).status,
        404,
      );
      assert.equal(
        (await t.call({ method: 'GET', url: '/api/user/self', headers: victim.headers })).status,
        401,
      );
      const login = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'victim', password: 'victim-password' },
      });
      assert.equal(login.status, 401);
      const reg = await t.call({
        method: 'POST',
        url: '/api/user/register',
        payload: { username: 'victim', password: 'victim-pass2' },
      });
      assert.equal(reg.status, 409);
      await t.ctx.logWriter.flush();
      const logs = await t.ctx.dbs.logs.db
        .selectFrom('logs')
        .select('id')
        .where('user_id', '=', victim.id)
        .execute();
      assert.equal(logs.length, 1);
      assert.equal(
        (await t.call({ method: 'DELETE', url: `/api/user/${root.id}`, headers: root.headers })).status,
        403,
      );
    });

    test('bad input: non-numeric ids, malformed JSON, oversized bodies → 4xx naming the problem, never 500', async () => {
      // a path segment that is no id names no resource (CONTRACT §9: unknown sub-paths are 404)
      const id = await t.call({ method: 'GET', url: '/api/user/abc', headers: admin.headers });
      assert.equal(id.status, 404);
      assert.equal(id.body.success, false);
      const json = await t.call({
        method: 'POST',
        url: '/api/user/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"username": "bob",',
      });
      assert.equal(json.status, 400);
      assert.equal(json.body.success, false);
      const huge = await t.call({
        method: 'POST',
        url: '/api/user/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'x', password: 'y'.repeat(2 * 1024 * 1024) }),
      });
      assert.equal(huge.status, 413);
      const wrongType = await t.call({
        method: 'POST',
        url: '/api/user/manage',
        headers: admin.headers,
        payload: { id: 'seven', action: 'enable' },
      });
      assert.equal(wrongType.status, 400);
      assert.match(wrongType.body.message, /^id /);
      const noBody = await t.call({ method: 'POST', url: '/api/user/manage', headers: admin.headers });
      assert.equal(noBody.status, 400);
      const unknown = await t.call({ method: 'GET', url: '/api/nothing-here' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.success, false);
    });

    test('login is rate limited per IP (10/min) with 429 and the envelope', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await t.call({
          method: 'POST',
          url: '/api/user/login',
          remoteAddress: '10.9.8.7',
          payload: { username: 'nobody', password: 'x' },
        });
        statuses.push(res.status);
        if (res.status === 429) assert.equal(res.body.success, false);
      }
      assert.equal(statuses.filter((s) => s === 429).length, 2);
    });
  });
}

describe('root from the environment (sqlite)', () => {
  test('INITIAL_ROOT_* create root with quota 0 and a working access token', async () => {
    const t = await startTestApp(engines()[0], {
      INITIAL_ROOT_USERNAME: 'envroot',
      INITIAL_ROOT_PASSWORD: 'env-root-pass',
      INITIAL_ROOT_ACCESS_TOKEN: 'env-access-token-0123456789',
    });
    try {
      const setup = await t.call({ method: 'GET', url: '/api/setup' });
      assert.equal(setup.body.data.status, true);
      const self = await t.call({
        method: 'GET',
        url: '/api/user/self',
        headers: { Authorization: 'Bearer env-access-token-0123456789', 'New-Api-User': 'Bearer 1' },
      });
      assert.equal(self.status, 200);
      assert.equal(self.body.data.role, 100);
      assert.equal(self.body.data.quota, 0);
    } finally {
      await t.close();
    }
  });
});
