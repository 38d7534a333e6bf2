/**
 * Issue 20: a `%` model filter is matched against log_models (every name with a log) and read as an
 * indexed IN (…). It must return exactly what the plain LIKE over the rows returned, with each engine's
 * own LIKE (SQLite and MySQL ignore ASCII case, PostgreSQL does not), for lists, totals, stats and
 * exports, including names that arrive through every path that writes logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { escapeLike } from '../src/db/dialects/types.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { type Actor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

const NAMES = [
  'gpt-4o',
  'gpt-4o-mini',
  'GPT-4O-LOUD',
  'claude_3',
  'claude-3',
  'a%b',
  'a_b',
  'model-20',
  'model-2',
  'x',
];
const PATTERNS = [
  'gpt%',
  'GPT%',
  '%4o%',
  '%mini',
  'claude_%',
  'claude%3',
  'a%',
  'a!%b%',
  'model-2%',
  '%-2',
  'nothing%',
  '%',
  '%%',
];

for (const engine of engines()) {
  describe(`% model filters as IN (…) over log_models (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      const now = Math.floor(Date.now() / 1000);
      let i = 0;
      for (const name of NAMES)
        for (let k = 0; k < 3; k++)
          t.ctx.logWriter.write({
            type: k === 2 ? LogType.Error : LogType.Consume,
            user_id: root.id,
            username: 'root',
            created_at: now - 1000 + i++,
            content: 'API call succeeded',
            model_name: name,
            quota: 10 + i,
          });
      await t.ctx.logWriter.flush();
    });
    after(() => t?.close());

    /** The rows the plain LIKE finds (the filter as it was before: every row scanned). */
    async function byLike(pattern: string): Promise<number[]> {
      const p = pattern.split('%').map(escapeLike).join('%');
      const rows = await t.ctx.dbs.logs.db
        .selectFrom('logs')
        .select('id')
        .where(sql<boolean>`${sql.ref('model_name')} LIKE ${p} ESCAPE '!'`)
        .orderBy('id', 'desc')
        .execute();
      return rows.map((r) => Number(r.id));
    }

    it('lists, totals and consume stats equal the plain LIKE for every pattern', async () => {
      for (const pattern of PATTERNS) {
        const want = await byLike(pattern);
        const q = encodeURIComponent(pattern);
        const res = await t.call({
          method: 'GET',
          url: `/api/log/?page_size=100&model_name=${q}`,
          headers: root.headers,
        });
        assert.equal(res.status, 200, pattern);
        assert.deepEqual(
          res.body.data.items.map((r: { id: number }) => r.id),
          want,
          pattern,
        );
        assert.equal(res.body.data.total, want.length, pattern);
        const stat = await t.call({
          method: 'GET',
          url: `/api/log/stat?model_name=${q}`,
          headers: root.headers,
        });
        const quota = await t.ctx.dbs.logs.db
          .selectFrom('logs')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('quota'), sql<number>`0`).as('q'))
          .where('id', 'in', want.length ? want : [-1])
          .where('type', '=', LogType.Consume)
          .executeTakeFirstOrThrow();
        assert.equal(stat.body.data.quota, Number(quota.q), `stat ${pattern}`);
      }
    });

    it('a name first seen after start (a new model) is found at once', async () => {
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: root.id,
        username: 'root',
        content: 'x',
        model_name: 'gpt-5-new',
        quota: 1,
      });
      await t.ctx.logWriter.flush();
      const res = await t.call({
        method: 'GET',
        url: '/api/log/?model_name=gpt-5%25',
        headers: root.headers,
      });
      assert.equal(res.body.data.total, 1);
      const names = await t.ctx.dbs.logs.db.selectFrom('log_models').select('model_name').execute();
      assert.ok(names.some((n) => n.model_name === 'gpt-5-new'));
    });
  });
}
