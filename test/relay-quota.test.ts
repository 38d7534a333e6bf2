import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallSettlement } from '../src/relay/ledger.ts';
import { QuotaRepo } from '../src/relay/quota.repo.ts';
import { type Actor, createActor, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
import {
  client,
  journalRow,
  logRows,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
  tokenRow,
  userRow,
} from './support/relay-fixtures.ts';

const CALLS = 500;
const messages = [{ role: 'user' as const, content: 'hi' }];

/** Fires `n` calls at once; returns how many succeeded and the statuses of the others. */
async function burst(base: string, key: string, model: string, n: number) {
  const c = client(base, key);
  const results = await Promise.allSettled(
    Array.from({ length: n }, () => c.chat.completions.create({ model, messages })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const statuses = new Set(
    results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { status?: number }).status] : [])),
  );
  return { ok, statuses };
}

for (const engine of engines()) {
  describe(`relay quota under ${CALLS} concurrent calls (${engine.name})`, () => {
    let w: RelayWorld;
    let t: TestApp;
    let root: Actor;
    let base: string;

    before(async () => {
      w = await relayWorld(engine, { username: 'first', quota: 0, upstream: { record: false } });
      ({ t, root, base } = w);
      // price-billed: 0.002 × 500000 = 1000 quota per call, reserved exactly
      await setPricing(t, { ModelPrice: { priced: 0.002 } });
      await seedChannel(t, { base_url: w.up.url, models: ['priced'] });
    });
    after(() => w.close());

    it('a settlement retried after an unknown outcome (a COMMIT that timed out), or replayed, is applied once', async () => {
      const user = await createActor(t, root, 'once', { quota: 1000 });
      const repo = new QuotaRepo(t.ctx.dbs.main);
      const now = Math.floor(Date.now() / 1000);
      const r = { userId: user.id, tokenId: 0, limitedToken: false, amount: 300 };
      const journal = journalRow('call-settled-once', { username: 'once', created_at: now });
      assert.equal(await repo.reserve(r, now, journal), 'ok');
      assert.equal((await userRow(t, user.id)).quota, 700);
      const call: CallSettlement = {
        requestId: 'call-settled-once',
        userId: user.id,
        tokenId: 0,
        tokenKey: '',
        limited: false,
        reserved: 300,
        actual: 400,
        channelId: 0,
        at: now,
        refund: false,
      };
      await repo.applyLedger([call]);
      await repo.applyLedger([call]); // the retry finds no journal row: nothing more
      assert.equal((await userRow(t, user.id)).quota, 600);
      // a call that was never journaled (or was settled by another instance's recovery) changes nothing
      await repo.applyLedger([{ ...call, requestId: 'never-journaled' }]);
      assert.equal((await userRow(t, user.id)).quota, 600);
      const rows = await t.ctx.dbs.main.db.selectFrom('pending_calls').selectAll().execute();
      assert.equal(rows.filter((x) => x.request_id === 'call-settled-once').length, 0);
    });

    it("never overspends a user's last quota", async () => {
      const user = await createActor(t, root, 'last', { quota: 10_500 });
      const tok = await seedToken(t, { user_id: user.id });
      const { ok, statuses } = await burst(base, tok.key, 'priced', CALLS);
      await settled(t);
      assert.equal(ok, 10);
      assert.deepEqual([...statuses], [403]);
      const row = await userRow(t, user.id);
      assert.equal(row.quota, 500);
      assert.equal(row.used_quota, 10_000);
      assert.equal(row.request_count, 10);
      const logs = (await logRows(t, 2)).filter((l) => l.user_id === user.id);
      assert.equal(logs.length, 10);
      assert.equal(
        logs.reduce((s, l) => s + l.quota, 0),
        10_000,
      );
    });

    it("never overspends a limited token's remaining quota, and marks it exhausted", async () => {
      const user = await createActor(t, root, 'rich', { quota: 100_000_000 });
      const tok = await seedToken(t, { user_id: user.id, unlimited_quota: false, remain_quota: 5000 });
      const { ok, statuses } = await burst(base, tok.key, 'priced', CALLS);
      await settled(t);
      assert.equal(ok, 5);
      assert.deepEqual([...statuses], [403]);
      const token = await tokenRow(t, tok.id);
      assert.equal(token.remain_quota, 0);
      assert.equal(token.used_quota, 5000);
      assert.equal(token.status, 4);
      const row = await userRow(t, user.id);
      assert.equal(row.quota, 100_000_000 - 5000);
    });

    it('a limited token with plenty and a user with little: refused calls take nothing from the token', async () => {
      const user = await createActor(t, root, 'poor-with-token', { quota: 2_500 });
      const tok = await seedToken(t, { user_id: user.id, unlimited_quota: false, remain_quota: 100_000 });
      const { ok, statuses } = await burst(base, tok.key, 'priced', 50);
      await settled(t);
      assert.equal(ok, 2);
      assert.deepEqual([...statuses], [403]);
      // the token had enough for every call, the user for two: the other reservations were rolled back whole
      assert.equal((await tokenRow(t, tok.id)).remain_quota, 100_000 - 2_000);
      assert.equal((await tokenRow(t, tok.id)).used_quota, 2_000);
      assert.equal((await userRow(t, user.id)).quota, 500);
      const pending = await t.ctx.dbs.main.db
        .selectFrom('pending_calls')
        .select('request_id')
        .where('user_id', '=', user.id)
        .execute();
      assert.equal(pending.length, 0, 'no journal row is left by a refused call');
    });

    it('reservations made together are each exact: refused ones undone alone, a failing one fails alone', async () => {
      const user = await createActor(t, root, 'together', { quota: 5_000 });
      const tok = await seedToken(t, { user_id: user.id, unlimited_quota: false, remain_quota: 3_000 });
      const repo = new QuotaRepo(t.ctx.dbs.main);
      const now = Math.floor(Date.now() / 1000);
      const journal = (id: string) => journalRow(id, { username: 'together', created_at: now });
      const viaToken = { userId: user.id, tokenId: tok.id, limitedToken: true, amount: 1_000 };
      const viaUser = { userId: user.id, tokenId: tok.id, limitedToken: false, amount: 1_000 };
      // in one turn: 4 through the limited token (3 fit), 4 through the user alone (2 fit after those 3),
      // and one whose journal row already exists (a failed INSERT): it alone fails
      await repo.reserve(viaUser, now, journal('together-taken'));
      const before = { ...repo.reservationGroups };
      const results = await Promise.allSettled([
        ...[1, 2, 3, 4].map((i) => repo.reserve(viaToken, now, journal(`together-t${i}`))),
        repo.reserve(viaUser, now, journal('together-taken')),
        ...[1, 2, 3, 4].map((i) => repo.reserve(viaUser, now, journal(`together-u${i}`))),
      ]);
      const outcome = results.map((r) => (r.status === 'fulfilled' ? r.value : 'error'));
      const byToken = outcome.slice(0, 4).filter((o) => o === 'ok').length;
      if (engine.name === 'sqlite')
        // one group, applied in the order the calls came
        assert.deepEqual(outcome, ['ok', 'ok', 'ok', 'token', 'error', 'ok', 'user', 'user', 'user']);
      else {
        // concurrent statements: which calls get the quota varies, how much is taken does not
        // the duplicate fails, unless the quota ran out before its INSERT was tried (PostgreSQL's one statement)
        assert.ok(outcome[4] === 'error' || outcome[4] === 'user');
        assert.equal(outcome.filter((o) => o === 'ok').length, 4);
        assert.ok(byToken <= 3);
      }
      // 1,000 before + 4 more = 5,000: the user is at 0; the token gave what its calls took
      assert.equal((await userRow(t, user.id)).quota, 0);
      assert.equal((await userRow(t, user.id)).request_count, 5);
      assert.equal((await tokenRow(t, tok.id)).remain_quota, 3_000 - 1_000 * byToken);
      const pending = await t.ctx.dbs.main.db
        .selectFrom('pending_calls')
        .select('request_id')
        .where('user_id', '=', user.id)
        .execute();
      const ids = ['together-t1', 'together-t2', 'together-t3', 'together-t4', 'together-taken']
        .concat(['together-u1', 'together-u2', 'together-u3', 'together-u4'])
        .filter((_, i) => i === 4 || outcome[i] === 'ok');
      assert.deepEqual(pending.map((p) => p.request_id).sort(), ids.sort());
      if (engine.name === 'sqlite')
        // on SQLite they were committed as one group (one WAL commit for the nine)
        assert.deepEqual(
          {
            commits: repo.reservationGroups.commits - before.commits,
            calls: repo.reservationGroups.calls - before.calls,
          },
          { commits: 1, calls: 9 },
        );
    });

    it('a reservation made while another transaction holds the connection is not rolled back with it', async () => {
      const user = await createActor(t, root, 'beside', { quota: 5_000 });
      const repo = new QuotaRepo(t.ctx.dbs.main);
      const now = Math.floor(Date.now() / 1000);
      const r = { userId: user.id, tokenId: 0, limitedToken: false, amount: 1_000 };
      let reserving: Promise<unknown> | undefined;
      await assert.rejects(
        t.ctx.dbs.main.db.transaction().execute(async (trx) => {
          await trx.updateTable('users').set({ quota: 1 }).where('id', '=', user.id).execute();
          reserving = repo.reserve(r, now, journalRow('beside-1', { username: 'beside', created_at: now }));
          await new Promise((resolve) => setTimeout(resolve, 20)); // the group's turn passes meanwhile
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await reserving, 'ok');
      // the other transaction's write is gone, the reservation stays
      assert.equal((await userRow(t, user.id)).quota, 4_000);
    });
  });
}
