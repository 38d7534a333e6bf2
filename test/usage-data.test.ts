import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/app.ts';
import { openDatabases } from '../src/db/connect.ts';
import { type LogEntry, LogType } from '../src/modules/logs/log-types.ts';
import { rebuildRollup } from '../src/modules/usage-data/rebuild.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp, testConfig } from './support/app.ts';
import { engines, openTestDatabases } from './support/engines.ts';

// 2026-10-29 00:00 UTC … 2026-11-04: spans New York's DST end (2026-11-01, a 25-hour day).
const FROM = Date.UTC(2026, 9, 29) / 1000;
const TO = Date.UTC(2026, 10, 4) / 1000;
const ZONES = ['UTC', 'Asia/Tokyo', 'Asia/Kolkata', 'America/New_York'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'];

type Seed = LogEntry & { created_at: number };

/** The local date (YYYY-MM-DD) of an instant in a zone, by Intl's own formatting (independent of tz.ts). */
const localDate = (t: number, tz: string) => new Date(t * 1000).toLocaleDateString('en-CA', { timeZone: tz });

/** Expected sums per key, computed from the seeded logs alone. */
function expected(rows: Seed[], key: (r: Seed) => string) {
  const out = new Map<string, { count: number; quota: number; token_used: number }>();
  for (const r of rows) {
    if (r.type !== LogType.Consume) continue;
    const k = key(r);
    const e = out.get(k) ?? { count: 0, quota: 0, token_used: 0 };
    e.count += 1;
    e.quota += r.quota ?? 0;
    e.token_used += (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0);
    out.set(k, e);
  }
  return out;
}

const hourOf = (t: number) => t - (t % 3600);

function asMap(rows: any[], key: (r: any) => string) {
  const out = new Map<string, { count: number; quota: number; token_used: number }>();
  for (const r of rows) {
    assert.ok(!out.has(key(r)), `duplicate row for ${key(r)}`);
    out.set(key(r), { count: r.count, quota: r.quota, token_used: r.token_used });
  }
  return out;
}

for (const engine of engines()) {
  describe(`usage data (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let alice: Actor;
    let bob: Actor;
    const seeded: Seed[] = [];

    const get = (url: string, who: Actor = root) => t.call({ method: 'GET', url, headers: who.headers });
    const range = `start_timestamp=${FROM}&end_timestamp=${TO}`;

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      alice = await createActor(t, root, 'alice');
      bob = await createActor(t, root, 'bob');
      // a call every ~17 minutes for 6 days, both users, 3 models, 2 tokens and 2 channels each
      for (let i = 0, at = FROM + 7; at < TO; i++, at += 1013) {
        const who = i % 3 === 0 ? bob : alice;
        seeded.push({
          type: i % 11 === 0 ? LogType.Error : LogType.Consume,
          user_id: who.id,
          username: who.username,
          created_at: at,
          content: 'x',
          model_name: MODELS[i % MODELS.length],
          token_id: (who === bob ? 100 : 200) + (i % 2),
          channel_id: 1 + (i % 2),
          quota: 10 + (i % 37),
          prompt_tokens: 5 + (i % 13),
          completion_tokens: i % 7,
        });
      }
      for (const r of seeded) t.ctx.logWriter.write(r);
      await t.ctx.logWriter.flush();
    });
    after(() => t.close());

    test('hourly rows equal the sums of the logs, per model and hour (admin, self, username)', async () => {
      const all = await get(`/api/data/?${range}`);
      assert.equal(all.status, 200);
      const exp = expected(seeded, (r) => `${hourOf(r.created_at)}|${r.model_name}`);
      assert.deepEqual(
        asMap(all.body.data, (r) => `${r.created_at}|${r.model_name}`),
        exp,
      );
      const times = all.body.data.map((r: any) => r.created_at);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'ordered by time',
      );

      const self = await get(`/api/data/self?${range}`, alice);
      const mine = seeded.filter((r) => r.user_id === alice.id);
      assert.deepEqual(
        asMap(self.body.data, (r) => `${r.created_at}|${r.model_name}`),
        expected(mine, (r) => `${hourOf(r.created_at)}|${r.model_name}`),
      );
      assert.ok(self.body.data.every((r: any) => r.user_id === alice.id && r.username === 'alice'));

      const bobs = await get(`/api/data/?${range}&username=bob`);
      const bobRows = seeded.filter((r) => r.user_id === bob.id);
      assert.deepEqual(
        asMap(bobs.body.data, (r) => `${r.created_at}|${r.model_name}`),
        expected(bobRows, (r) => `${hourOf(r.created_at)}|${r.model_name}`),
      );
      assert.ok(bobs.body.data.every((r: any) => r.user_id === bob.id && r.username === 'bob'));
      assert.deepEqual((await get(`/api/data/?${range}&username=nobody`)).body.data, []);
    });

    test('token and channel filters (admin)', async () => {
      const res = await get(`/api/data/?${range}&token_id=101&channel=2`);
      const exp = expected(
        seeded.filter((r) => r.token_id === 101 && r.channel_id === 2),
        (r) => `${hourOf(r.created_at)}|${r.model_name}`,
      );
      assert.ok(exp.size > 0);
      assert.deepEqual(
        asMap(res.body.data, (r) => `${r.created_at}|${r.model_name}`),
        exp,
      );
    });

    test("a user's own token chart (/api/data/self?token_id): another user's token id shows nothing", async () => {
      const mine = await get(`/api/data/self?${range}&token_id=201`, alice);
      const exp = expected(
        seeded.filter((r) => r.user_id === alice.id && r.token_id === 201),
        (r) => `${hourOf(r.created_at)}|${r.model_name}`,
      );
      assert.ok(exp.size > 0);
      assert.deepEqual(
        asMap(mine.body.data, (r) => `${r.created_at}|${r.model_name}`),
        exp,
      );
      assert.deepEqual(
        (await get(`/api/data/self?${range}&token_id=101`, alice)).body.data,
        [],
        "bob's token",
      );
      const bad = await get(`/api/data/self?${range}&token_id=x`, alice);
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^token_id/);
    });

    for (const tz of ZONES)
      test(`day granularity in ${tz}: each local day sums its hours exactly`, async () => {
        const res = await get(`/api/data/?${range}&granularity=day&tz=${encodeURIComponent(tz)}`);
        assert.equal(res.status, 200);
        const exp = expected(seeded, (r) => `${localDate(hourOf(r.created_at), tz)}|${r.model_name}`);
        const got = asMap(res.body.data, (r) => `${localDate(r.created_at, tz)}|${r.model_name}`);
        assert.deepEqual(got, exp);
        for (const r of res.body.data) {
          const time = new Date(r.created_at * 1000).toLocaleTimeString('en-GB', {
            timeZone: tz,
            hourCycle: 'h23',
          });
          assert.equal(time, '00:00:00', `${tz}: a day starts at local midnight (${r.created_at})`);
        }
        const self = await get(`/api/data/self?${range}&granularity=day&tz=${encodeURIComponent(tz)}`, bob);
        const bobExp = expected(
          seeded.filter((r) => r.user_id === bob.id),
          (r) => `${localDate(hourOf(r.created_at), tz)}|${r.model_name}`,
        );
        assert.deepEqual(
          asMap(self.body.data, (r) => `${localDate(r.created_at, tz)}|${r.model_name}`),
          bobExp,
        );
      });

    test('New York on 2026-11-01 is a 25-hour day', async () => {
      const res = await get(`/api/data/?${range}&granularity=day&tz=America/New_York`);
      const starts = [...new Set<number>(res.body.data.map((r: any) => r.created_at as number))].sort(
        (a, b) => a - b,
      );
      const nov1 = starts.find((s) => localDate(s, 'America/New_York') === '2026-11-01')!;
      const next = starts[starts.indexOf(nov1) + 1];
      assert.equal(next - nov1, 25 * 3600);
    });

    test('bad ranges and parameters → 400 naming the field', async () => {
      const cases: Array<[string, string]> = [
        [`start_timestamp=${FROM}&end_timestamp=${FROM + 367 * 86_400}`, 'start_timestamp'],
        [`start_timestamp=${TO}&end_timestamp=${FROM}`, 'start_timestamp'],
        ['tz=Mars/Olympus', 'tz'],
        ['granularity=week', 'granularity'],
        ['end_timestamp=soon', 'end_timestamp'],
        ['token_id=1.5', 'token_id'],
      ];
      for (const [q, field] of cases) {
        const res = await get(`/api/data/?${q}`);
        assert.equal(res.status, 400, q);
        assert.ok(res.body.message.startsWith(field), `${q}: ${res.body.message}`);
      }
      assert.equal((await get('/api/data/', alice)).status, 403);
      assert.equal((await t.call({ method: 'GET', url: '/api/data/self' })).status, 401);
    });

    test('the default range is the last 7 days', async () => {
      const now = Math.floor(Date.now() / 1000);
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: alice.id,
        username: 'alice',
        content: 'x',
        created_at: now - 100,
        model_name: 'recent-model',
        quota: 5,
      });
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: alice.id,
        username: 'alice',
        content: 'x',
        created_at: now - 8 * 86_400,
        model_name: 'old-model',
        quota: 5,
      });
      await t.ctx.logWriter.flush();
      const models = (await get('/api/data/self', alice)).body.data.map((r: any) => r.model_name);
      assert.ok(models.includes('recent-model') && !models.includes('old-model'), models.join());
    });

    test('rebuild recomputes the rollup from the logs; deleting logs leaves the rollup alone', async () => {
      const before = (await get(`/api/data/?${range}`)).body.data;
      const userSums = async () =>
        (
          await t.ctx.dbs.logs.db
            .selectFrom('quota_data_user')
            .select(['user_id', 'created_at', 'model_name', 'count', 'quota', 'token_used'])
            .orderBy('user_id')
            .orderBy('created_at')
            .orderBy('model_name')
            .execute()
        ).map((r) => Object.values(r).map(String).join('|'));
      const perUser = await userSums();
      // the per-user rollup is quota_data summed per (user, hour, model)
      const grouped = await t.ctx.dbs.logs.db
        .selectFrom('quota_data')
        .select((eb) => [
          'user_id',
          'created_at',
          'model_name',
          eb.fn.sum('count').as('count'),
          eb.fn.sum('quota').as('quota'),
          eb.fn.sum('token_used').as('token_used'),
        ])
        .groupBy(['user_id', 'created_at', 'model_name'])
        .orderBy('user_id')
        .orderBy('created_at')
        .orderBy('model_name')
        .execute();
      assert.deepEqual(
        perUser,
        grouped.map((r) => Object.values(r).map(String).join('|')),
      );
      await t.ctx.dbs.logs.db.updateTable('quota_data').set({ quota: 0, count: 0 }).execute();
      await t.ctx.dbs.logs.db.deleteFrom('quota_data_model').execute();
      // the rebuilt range only (an earlier test wrote hours outside it)
      await t.ctx.dbs.logs.db
        .deleteFrom('quota_data_user')
        .where('created_at', '>=', FROM)
        .where('created_at', '<', TO)
        .execute();
      const days: number[] = [];
      await rebuildRollup(t.ctx.dbs.logs, FROM, TO, (d) => days.push(d.daysDone));
      assert.equal(days.length, 6);
      t.ctx.usageData.invalidate();
      assert.deepEqual((await get(`/api/data/?${range}`)).body.data, before);
      assert.deepEqual(await userSums(), perUser, 'the per-user rollup rebuilt too');
      const bobs = await get(`/api/data/?${range}&username=bob`);
      assert.deepEqual(
        asMap(bobs.body.data, (r) => `${r.created_at}|${r.model_name}`),
        expected(
          seeded.filter((r) => r.user_id === bob.id),
          (r) => `${hourOf(r.created_at)}|${r.model_name}`,
        ),
      );
      await t.call({ method: 'DELETE', url: `/api/log/?target_timestamp=${TO}`, headers: root.headers });
      assert.deepEqual((await get(`/api/data/?${range}`)).body.data, before);
    });

    test('DataExportEnabled off: no rollup rows are added', async () => {
      await t.ctx.options.set('DataExportEnabled', 'false');
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: bob.id,
        username: 'bob',
        content: 'x',
        created_at: FROM - 5000,
        model_name: 'unrolled',
        quota: 9,
      });
      await t.ctx.logWriter.flush();
      await t.ctx.options.set('DataExportEnabled', 'true');
      const rows = await t.ctx.dbs.logs.db
        .selectFrom('quota_data')
        .select('id')
        .where('model_name', '=', 'unrolled')
        .execute();
      assert.equal(rows.length, 0);
    });
  });
}

const pg = engines().find((e) => e.name === 'postgres');
describe('usage data: two instances on one PostgreSQL database', {
  skip: pg ? false : 'TEST_PG_URL is not set',
}, () => {
  test('concurrent writers add into the same buckets without duplicates, sums exact', async () => {
    const shared = await openTestDatabases(pg!);
    const dsn = shared.db.dsn;
    const config = testConfig({ SQL_DSN: dsn });
    const second = openDatabases({ sqlDsn: dsn, sqlitePath: '', logSqlDsn: '' });
    const a = await buildApp({ config, dbs: shared.dbs });
    const b = await buildApp({ config, dbs: second });
    try {
      const hour = Date.UTC(2026, 10, 10, 12) / 1000;
      const rounds = 20;
      const perRound = 50;
      for (let round = 0; round < rounds; round++) {
        for (const app of [a, b])
          for (let i = 0; i < perRound; i++)
            app.ctx.logWriter.write({
              type: LogType.Consume,
              user_id: 1 + (i % 3),
              username: `u${1 + (i % 3)}`,
              content: 'x',
              created_at: hour + i,
              model_name: MODELS[i % 2],
              token_id: 7,
              channel_id: 1,
              quota: 3,
              prompt_tokens: 2,
              completion_tokens: 1,
            });
        await Promise.all([a.ctx.logWriter.flush(), b.ctx.logWriter.flush()]);
      }
      const rows = await shared.dbs.logs.db.selectFrom('quota_data').selectAll().execute();
      assert.equal(rows.length, 3 * 2, 'one row per (user, model) bucket');
      const total = rows.reduce((s, r) => s + Number(r.count), 0);
      assert.equal(total, 2 * rounds * perRound);
      assert.equal(
        rows.reduce((s, r) => s + Number(r.quota), 0),
        3 * total,
      );
      assert.equal(
        rows.reduce((s, r) => s + Number(r.token_used), 0),
        3 * total,
      );
      const perUser = await shared.dbs.logs.db.selectFrom('quota_data_user').selectAll().execute();
      assert.equal(perUser.length, 3 * 2, 'one row per (user, model) in the per-user rollup too');
      assert.equal(
        perUser.reduce((s, r) => s + Number(r.count), 0),
        total,
      );
      const site = await shared.dbs.logs.db.selectFrom('quota_data_model').selectAll().execute();
      assert.equal(site.length, 2);
      assert.equal(
        site.reduce((s, r) => s + Number(r.count), 0),
        total,
      );
    } finally {
      await a.app.close();
      await b.app.close();
      await second.close();
      await shared.close();
    }
  });
});
