import { sql } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import type { LogDatabase } from '../../db/schema.ts';
import { LogType } from '../logs/log-types.ts';
import { HOUR, hourOf } from './rollup.ts';

const DAY = 86_400;

/**
 * Recomputes the rollups (per bucket, per model, per user) from the consume logs for the hours in [from, to), one day per transaction
 * (delete the day's buckets, then INSERT … SELECT … GROUP BY from the logs), so a long range shows
 * progress and never holds one huge transaction. Writers running meanwhile stay exact: their atomic adds
 * either committed before the day's snapshot (and are recounted from their log rows) or wait on the
 * rebuilt rows and add to them after. Logs deleted earlier are gone from the rebuilt hours.
 */
export async function rebuildRollup(
  h: DbHandle<LogDatabase>,
  from: number,
  to: number,
  onDay?: (done: { dayStart: number; buckets: number; daysDone: number; daysTotal: number }) => void,
): Promise<{ buckets: number }> {
  const start = hourOf(from);
  const end = hourOf(to + HOUR - 1);
  const daysTotal = Math.max(1, Math.ceil((end - start) / DAY));
  const hourExpr = sql<number>`${sql.ref('created_at')} - (${sql.ref('created_at')} % ${sql.lit(HOUR)})`;
  let buckets = 0;
  let daysDone = 0;
  for (let a = start; a < end; a += DAY) {
    const b = Math.min(a + DAY, end);
    const n = await h.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('quota_data').where('created_at', '>=', a).where('created_at', '<', b).execute();
      for (const table of ['quota_data_model', 'quota_data_user'] as const)
        await trx.deleteFrom(table).where('created_at', '>=', a).where('created_at', '<', b).execute();
      const consume = trx
        .selectFrom('logs')
        .where('type', '=', LogType.Consume)
        .where('created_at', '>=', a)
        .where('created_at', '<', b);
      await trx
        .insertInto('quota_data')
        .columns([
          'user_id',
          'username',
          'model_name',
          'token_id',
          'channel_id',
          'group',
          'created_at',
          'count',
          'quota',
          'token_used',
        ])
        .expression(
          consume
            .select((eb) => [
              'user_id',
              eb.fn.max('username').as('username'),
              'model_name',
              'token_id',
              'channel_id',
              'group',
              hourExpr.as('hour'),
              eb.fn.countAll().as('count'),
              eb.fn.sum('quota').as('quota'),
              eb.fn.sum(sql`${sql.ref('prompt_tokens')} + ${sql.ref('completion_tokens')}`).as('token_used'),
            ])
            .groupBy(['user_id', 'model_name', 'token_id', 'channel_id', 'group', hourExpr]),
        )
        .execute();
      // the site-wide and per-user rollups: quota_data's day summed per their keys
      for (const [table, keys] of [
        ['quota_data_model', ['created_at', 'model_name', 'group']],
        ['quota_data_user', ['user_id', 'created_at', 'model_name']],
      ] as const) {
        const k = sql.join(keys.map((c) => sql.ref(c)));
        await sql`INSERT INTO ${sql.table(table)} (${k}, count, quota, token_used)
          SELECT ${k}, SUM(count), SUM(quota), SUM(token_used) FROM quota_data
          WHERE created_at >= ${a} AND created_at < ${b} GROUP BY ${k}`.execute(trx);
      }
      const row = await trx
        .selectFrom('quota_data')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('created_at', '>=', a)
        .where('created_at', '<', b)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
    buckets += n;
    daysDone += 1;
    onDay?.({ dayStart: a, buckets: n, daysDone, daysTotal });
  }
  return { buckets };
}
