/**
 * CONTRACT §6 redemption codes on New API's routes, with the bodies and query strings New API's console sends
 * (web/src/hooks/redemptions, components/topup): admin batches, list/search, enable/disable with
 * `?status_only=true`, delete invalid; a user's `POST /api/user/topup {key}` redeems once, adds the quota
 * and writes the type-1 (top-up) log in the same transaction, however many requests race for the code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogType } from '../src/modules/logs/log-types.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

for (const engine of engines()) {
  describe(`redemption codes (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let alice: Actor;
    let bob: Actor;
    let carol: Actor;

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      alice = await createActor(t, root, 'alice', { quota: 1000 });
      bob = await createActor(t, root, 'bob', { quota: 0 });
      carol = await createActor(t, root, 'carol', { quota: 0 }); // her own top-up rate limit (10 a minute)
    });
    after(() => t.close());

    const create = (body: object) =>
      t.call({ method: 'POST', url: '/api/redemption/', headers: root.headers, payload: body });
    const topup = (who: Actor, key: string) =>
      t.call({ method: 'POST', url: '/api/user/topup', headers: who.headers, payload: { key } });
    const quotaOf = async (id: number) =>
      Number(
        (
          await t.ctx.dbs.main.db
            .selectFrom('users')
            .select('quota')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).quota,
      );

    it('admins create codes in batches (New API body), list, search and read them; bad input is a 400 naming the field', async () => {
      // what New API's EditRedemptionModal sends (it also leaks the UI's `amount`)
      const made = await create({ name: 'launch', quota: 500_000, count: 3, expired_time: 0, amount: 1 });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const keys: string[] = made.body.data;
      assert.equal(keys.length, 3);
      for (const k of keys) assert.match(k, /^[0-9a-f]{32}$/);

      // the stored `key` is a keyed hash: a copy of the database file redeems nothing
      const stored = await t.ctx.dbs.main.db.selectFrom('redemptions').select(['key', 'key_enc']).execute();
      for (const s of stored) {
        assert.ok(!keys.includes(s.key));
        assert.ok(!keys.some((k) => s.key_enc?.includes(k)));
      }

      const list = await t.call({
        method: 'GET',
        url: '/api/redemption/?p=1&page_size=10',
        headers: root.headers,
      });
      assert.equal(list.status, 200);
      assert.equal(list.body.data.total, 3);
      assert.equal(list.body.data.page, 1);
      assert.equal(list.body.data.page_size, 10);
      const item = list.body.data.items[0];
      for (const f of [
        'id',
        'name',
        'key',
        'status',
        'quota',
        'created_time',
        'redeemed_time',
        'used_user_id',
        'expired_time',
      ])
        assert.ok(f in item, `list items carry ${f}`);
      assert.ok(keys.includes(item.key), 'an unused code is shown whole to admins (they hand it out)');

      const byName = await t.call({
        method: 'GET',
        url: '/api/redemption/search?keyword=lau&p=1&page_size=10',
        headers: root.headers,
      });
      assert.equal(byName.body.data.total, 3);
      const byCode = await t.call({
        method: 'GET',
        url: `/api/redemption/search?keyword=${keys[1]}&p=1&page_size=10`,
        headers: root.headers,
      });
      assert.deepEqual(
        byCode.body.data.items.map((i: { key: string }) => i.key),
        [keys[1]],
      );
      const one = await t.call({ method: 'GET', url: `/api/redemption/${item.id}`, headers: root.headers });
      assert.equal(one.body.data.quota, 500_000);

      for (const [body, field] of [
        [{ name: 'x', quota: 1, count: 101 }, 'count'],
        [{ name: '', quota: 1, count: 1 }, 'name'],
        [{ name: 'x', quota: 0, count: 1 }, 'quota'],
        [{ name: 'x', quota: 1, count: 1, expired_time: 1_000 }, 'expired_time'],
      ] as const) {
        const bad = await create(body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.match(bad.body.message, new RegExp(`^${field} `));
      }
      assert.equal(
        (await t.call({ method: 'GET', url: '/api/redemption/', headers: alice.headers })).status,
        403,
      );
      assert.equal(
        (await t.call({ method: 'GET', url: '/api/redemption/nope', headers: root.headers })).status,
        404,
      );
    });

    it('two users racing for one code: it is redeemed once, the quota added once, one top-up log', async () => {
      const [key] = (await create({ name: 'race', quota: 7_000, count: 1 })).body.data;
      const before = { alice: await quotaOf(alice.id), bob: await quotaOf(bob.id) };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => topup(i % 2 === 0 ? alice : bob, key)),
      );
      const won = results.filter((r) => r.status === 200);
      assert.equal(
        won.length,
        1,
        `exactly one redemption succeeds (${results.map((r) => r.status).join(',')})`,
      );
      assert.equal(won[0].body.data, 7_000, 'data is the quota added (New API: a number)');
      for (const r of results.filter((r) => r.status !== 200)) {
        assert.ok(r.status === 409 || r.status === 429, `the others are refused: ${r.status}`);
        assert.equal(r.body.success, false);
      }
      const after = { alice: await quotaOf(alice.id), bob: await quotaOf(bob.id) };
      assert.equal(after.alice + after.bob - before.alice - before.bob, 7_000);
      await t.ctx.logWriter.flush();
      const logs = await t.ctx.dbs.logs.db
        .selectFrom('logs')
        .selectAll()
        .where('type', '=', LogType.TopUp)
        .where('content', 'like', '%#%')
        .execute();
      const forCode = logs.filter((l) => l.quota === 7_000);
      assert.equal(forCode.length, 1, 'one top-up log');
      assert.match(forCode[0].content, /redemption code #\d+: 7000 quota/);
      const winner = after.alice > before.alice ? alice : bob;
      assert.equal(forCode[0].user_id, winner.id);
      // the user sees it in their own log list (type 1)
      const mine = await t.call({
        method: 'GET',
        url: '/api/log/self/?p=1&page_size=10&type=1',
        headers: winner.headers,
      });
      assert.equal(mine.body.data.items[0].type, LogType.TopUp);
    });

    it('used, disabled, expired and unknown codes are refused with a clear reason; status_only toggles; invalid ones are deleted', async () => {
      const [a, b, c] = (await create({ name: 'states', quota: 100, count: 3 })).body.data as string[];
      assert.equal((await topup(carol, a)).status, 200);
      const used = await topup(carol, a);
      assert.equal(used.status, 409);
      assert.match(used.body.message, /already been used/);

      const list = await t.call({
        method: 'GET',
        url: '/api/redemption/search?keyword=states',
        headers: root.headers,
      });
      const idOf = (k: string) => list.body.data.items.find((i: { key: string }) => i.key === k)?.id;
      const usedItem = list.body.data.items.find((i: { status: number }) => i.status === 3);
      assert.equal(usedItem.used_user_id, carol.id);
      assert.notEqual(usedItem.key, a, 'a used code is shown masked');

      // New API's enable/disable: PUT ?status_only=true {id, status}; the console reads data.status
      const off = await t.call({
        method: 'PUT',
        url: '/api/redemption/?status_only=true',
        headers: root.headers,
        payload: { id: idOf(b), status: 2 },
      });
      assert.equal(off.status, 200);
      assert.equal(off.body.data.status, 2);
      // enabling a code that is already on changes nothing and is no error; a used code cannot be toggled
      const again = await t.call({
        method: 'PUT',
        url: '/api/redemption/?status_only=true',
        headers: root.headers,
        payload: { id: idOf(c), status: 1 },
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      const usedToggle = await t.call({
        method: 'PUT',
        url: '/api/redemption/?status_only=true',
        headers: root.headers,
        payload: { id: usedItem.id, status: 1 },
      });
      assert.equal(usedToggle.status, 409);
      const disabled = await topup(carol, b);
      assert.equal(disabled.status, 409);
      assert.match(disabled.body.message, /disabled/);

      await t.ctx.dbs.main.db
        .updateTable('redemptions')
        .set({ expired_time: 1000 })
        .where('id', '=', idOf(c))
        .execute();
      const expired = await topup(carol, c);
      assert.equal(expired.status, 409);
      assert.match(expired.body.message, /expired/);

      const unknown = await topup(carol, 'f'.repeat(32));
      assert.equal(unknown.status, 404);
      assert.equal((await topup(carol, '')).status, 400);

      const removed = await t.call({
        method: 'DELETE',
        url: '/api/redemption/invalid',
        headers: root.headers,
      });
      assert.ok(removed.body.data >= 3, `used, disabled and expired codes removed (${removed.body.data})`);
      const left = await t.call({
        method: 'GET',
        url: '/api/redemption/search?keyword=states',
        headers: root.headers,
      });
      assert.equal(left.body.data.total, 0);
      // a single delete, with the console's trailing slash
      const [d] = (await create({ name: 'single', quota: 1, count: 1 })).body.data;
      const found = await t.call({
        method: 'GET',
        url: `/api/redemption/search?keyword=${d}`,
        headers: root.headers,
      });
      const del = await t.call({
        method: 'DELETE',
        url: `/api/redemption/${found.body.data.items[0].id}/`,
        headers: root.headers,
      });
      assert.equal(del.status, 200);
      assert.equal((await topup(carol, d)).status, 404);
    });
  });
}
