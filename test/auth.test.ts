import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

for (const engine of engines()) {
  describe(`auth (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let admin: Actor;
    let user: Actor;
    let disabled: Actor;

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      admin = await createActor(t, root, 'alice', { role: 10 });
      user = await createActor(t, root, 'bob');
      disabled = await createActor(t, root, 'carol');
      const res = await t.call({
        method: 'POST',
        url: '/api/user/manage',
        headers: root.headers,
        payload: { id: disabled.id, action: 'disable' },
      });
      assert.equal(res.status, 200);
    });
    after(() => t.close());

    const protectedRoutes = () =>
      t.ctx.routes
        .filter((r) => r.auth === 'user' || r.auth === 'admin' || r.auth === 'root')
        .map((r) => ({ ...r, url: r.url.replace(/:\w+/g, '1') }));

    test('every protected route: no credentials → 401, wrong New-Api-User → 401, disabled user → 403', async () => {
      const routes = protectedRoutes();
      assert.ok(routes.length >= 8, 'the route table is collected');
      for (const r of routes) {
        const method = r.method as 'GET';
        const none = await t.call({ method, url: r.url });
        assert.equal(none.status, 401, `${r.method} ${r.url} without credentials`);
        assert.equal(none.body.success, false);
        const wrong = await t.call({
          method,
          url: r.url,
          headers: { ...user.headers, 'New-Api-User': String(root.id) },
        });
        assert.equal(wrong.status, 401, `${r.method} ${r.url} with another user's id`);
        const missing = await t.call({
          method,
          url: r.url,
          headers: { Authorization: user.headers.Authorization },
        });
        assert.equal(missing.status, 401, `${r.method} ${r.url} without New-Api-User`);
        const off = await t.call({ method, url: r.url, headers: disabled.headers });
        assert.equal(off.status, 403, `${r.method} ${r.url} as a disabled user`);
      }
    });

    test('role matrix: user on admin routes → 403, admin on root routes → 403', async () => {
      for (const r of protectedRoutes()) {
        const method = r.method as 'GET';
        if (r.auth === 'admin' || r.auth === 'root') {
          const res = await t.call({ method, url: r.url, headers: user.headers });
          assert.equal(res.status, 403, `${r.method} ${r.url} as user`);
        }
        if (r.auth === 'root') {
          const res = await t.call({ method, url: r.url, headers: admin.headers });
          assert.equal(res.status, 403, `${r.method} ${r.url} as admin`);
        }
      }
    });

    test('New-Api-User accepts "1" and "Bearer 1"; the access token works bare or as Bearer', async () => {
      const token = root.headers.Authorization.replace('Bearer ', '');
      for (const headers of [
        { Authorization: `Bearer ${token}`, 'New-Api-User': String(root.id) },
        { Authorization: `Bearer ${token}`, 'New-Api-User': `Bearer ${root.id}` },
        { Authorization: token, 'New-Api-User': String(root.id) },
      ]) {
        const res = await t.call({ method: 'GET', url: '/api/user/self', headers });
        assert.equal(res.status, 200, JSON.stringify(headers));
        assert.equal(res.body.data.username, 'root');
      }
      const malformed = await t.call({
        method: 'GET',
        url: '/api/user/self',
        headers: { ...root.headers, 'New-Api-User': 'one' },
      });
      assert.equal(malformed.status, 401);
      const unknown = await t.call({
        method: 'GET',
        url: '/api/user/self',
        headers: { Authorization: 'Bearer nope', 'New-Api-User': '1' },
      });
      assert.equal(unknown.status, 401);
    });

    test('a session cookie authenticates, still with New-Api-User; logout ends it', async () => {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'bob', password: 'bob-password' },
      });
      assert.equal(login.statusCode, 200);
      assert.deepEqual(Object.keys(login.json().data).sort(), [
        'display_name',
        'group',
        'id',
        'role',
        'status',
        'username',
      ]);
      const session = login.cookies.find((c) => c.name === 'session')!.value;
      const ok = await t.call({
        method: 'GET',
        url: '/api/user/self',
        cookies: { session },
        headers: { 'New-Api-User': String(user.id) },
      });
      assert.equal(ok.status, 200);
      const noHeader = await t.call({ method: 'GET', url: '/api/user/self', cookies: { session } });
      assert.equal(noHeader.status, 401);
      const out = await t.app.inject({ method: 'GET', url: '/api/user/logout', cookies: { session } });
      const cleared = out.cookies.find((c) => c.name === 'session');
      const after = await t.call({
        method: 'GET',
        url: '/api/user/self',
        cookies: { session: cleared?.value ?? '' },
        headers: { 'New-Api-User': String(user.id) },
      });
      assert.equal(after.status, 401);
    });

    test('login: unknown user and wrong password read the same; disabled only with the right password', async () => {
      const unknown = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'nobody', password: 'whatever1' },
      });
      const wrong = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'bob', password: 'whatever1' },
      });
      assert.equal(unknown.status, 401);
      assert.equal(wrong.status, 401);
      assert.equal(unknown.body.message, wrong.body.message);
      const offWrong = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'carol', password: 'bad-password' },
      });
      assert.equal(offWrong.status, 401);
      const offRight = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username: 'carol', password: 'carol-password' },
      });
      assert.equal(offRight.status, 403);
    });

    test('a new access token replaces the previous one', async () => {
      const fresh = await t.call({ method: 'GET', url: '/api/user/token', headers: user.headers });
      assert.equal(fresh.status, 200);
      const old = await t.call({ method: 'GET', url: '/api/user/self', headers: user.headers });
      assert.equal(old.status, 401);
      user = { ...user, headers: { ...user.headers, Authorization: `Bearer ${fresh.body.data}` } };
      const now = await t.call({ method: 'GET', url: '/api/user/self', headers: user.headers });
      assert.equal(now.status, 200);
    });
  });
}
