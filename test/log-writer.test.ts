import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Databases, openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { BatchLogWriter } from '../src/modules/logs/log-writer.ts';
import { addToRollup } from '../src/modules/usage-data/rollup.ts';
import { engines, freshDatabase, type TestDatabase } from './support/engines.ts';
import { loopTurnsDuring } from './support/loop-turns.ts';

for (const engine of engines()) {
  describe(`log writer batches (${engine.name})`, () => {
    let tmp: TestDatabase;
    let dbs: Databases;
    before(async () => {
      tmp = await freshDatabase(engine);
      dbs = openDatabases({ sqlDsn: tmp.dsn, sqlitePath: tmp.sqlitePath, logSqlDsn: '' });
      await migrate(dbs);
    });
    after(async () => {
      await dbs.close();
      await tmp.drop();
    });

    test('rows that pile up go in one larger batch; the event loop turns between its statements (SQLite)', async () => {
      const batches: number[] = [];
      const writer = new BatchLogWriter({
        db: dbs.logs.db,
        dialect: dbs.logs.dialect,
        batchSize: 1000,
        maxBatchSize: 5000,
        inTransaction: (trx, rows) => addToRollup(trx, dbs.logs.dialect, rows),
        onBatch: (rows) => batches.push(rows),
      });
      const now = Math.floor(Date.now() / 1000);
      // a burst: 12,000 rows before the writer's first flush runs
      for (let i = 0; i < 12_000; i++)
        writer.write({
          type: LogType.Consume,
          user_id: 1 + (i % 300),
          username: `u${1 + (i % 300)}`,
          created_at: now - 12_000 + i,
          content: 'API call succeeded',
          token_id: i % 700,
          model_name: `m${i % 13}`,
          quota: 3,
          request_id: `burst-${i}`,
        });
      const { turns } = await loopTurnsDuring(() => writer.close());
      assert.deepEqual(batches, [5000, 5000, 2000]);
      const stored = await dbs.logs.db
        .selectFrom('logs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('request_id', 'like', 'burst-%')
        .executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), 12_000);
      const summed = await dbs.logs.db
        .selectFrom('quota_data_model')
        .select((eb) => eb.fn.sum('count').as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(summed.n), 12_000);
      // 24 log statements of 500 rows, the rollups' and three commits: each a separate turn on SQLite
      // (before, one drain ran as one chain of microtasks and the loop turned only after all of it)
      if (engine.name === 'sqlite') assert.ok(turns >= 24, `event loop turned ${turns} times`);
    });
  });
}
