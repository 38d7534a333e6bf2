import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Actor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
import { loopTurnsDuring } from './support/loop-turns.ts';

const H = 3600;

for (const engine of engines()) {
  describe(`a user's long chart is written in slices (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    const hours = 1200;
    const models = 10;
    const end = Math.floor(Date.now() / 1000 / H) * H - 10 * H;
    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      const rows = [];
      for (let h = 0; h < hours; h++)
        for (let m = 0; m < models; m++)
          rows.push({
            user_id: root.id,
            created_at: end - h * H,
            model_name: `m"${m}`,
            count: 1,
            quota: h,
            token_used: m,
          });
      for (let i = 0; i < rows.length; i += 500)
        await t.ctx.dbs.logs.db
          .insertInto('quota_data_user')
          .values(rows.slice(i, i + 500))
          .execute();
    });
    after(() => t.close());

    test('12,000 rows: every one in the answer, the event loop turning while they are written', async () => {
      const { result: res, turns } = await loopTurnsDuring(() =>
        t.call({
          method: 'GET',
          url: `/api/data/self?start_timestamp=${end - hours * H}&end_timestamp=${end}`,
          headers: root.headers,
        }),
      );
      assert.equal(res.status, 200);
      const data = res.body.data as Array<Record<string, unknown>>;
      assert.equal(data.length, hours * models);
      assert.deepEqual(data[0], {
        model_name: 'm"0',
        created_at: end - (hours - 1) * H,
        count: 1,
        quota: hours - 1,
        token_used: 0,
        user_id: root.id,
        username: root.username,
      });
      // 12,000 rows in slices of 5,000: on SQLite (no I/O to wait for) every turn is the serialisation's own;
      // before the slices, none
      if (engine.name === 'sqlite') assert.ok(turns >= 2, `event loop turned ${turns} times`);
    });
  });
}
