import type { Kysely } from 'kysely';
import type { SqlDialect } from '../../db/dialects/types.ts';
import type { LogDatabase, NewLog } from '../../db/schema.ts';
import { LogType } from '../logs/log-types.ts';

export const HOUR = 3600;
/** The UTC hour a Unix time falls in, as the Unix time of its start. */
export const hourOf = (t: number) => t - (((t % HOUR) + HOUR) % HOUR);

interface Bucket {
  user_id: number;
  username: string;
  model_name: string;
  token_id: number;
  channel_id: number;
  group: string;
  created_at: number;
  count: number;
  quota: number;
  token_used: number;
}

/** Consume rows of one batch summed per (user, hour, model, token, channel, group). */
export function bucketsOf(rows: readonly NewLog[]): Bucket[] {
  const map = new Map<string, Bucket>();
  for (const r of rows) {
    if (r.type !== LogType.Consume) continue;
    const hour = hourOf(r.created_at);
    const key = `${r.user_id}\u0000${hour}\u0000${r.model_name ?? ''}\u0000${r.token_id ?? 0}\u0000${r.channel_id ?? 0}\u0000${r.group ?? ''}`;
    let b = map.get(key);
    if (!b) {
      b = {
        user_id: r.user_id,
        username: r.username,
        model_name: r.model_name ?? '',
        token_id: r.token_id ?? 0,
        channel_id: r.channel_id ?? 0,
        group: r.group ?? '',
        created_at: hour,
        count: 0,
        quota: 0,
        token_used: 0,
      };
      map.set(key, b);
    }
    b.count += 1;
    b.quota += r.quota ?? 0;
    b.token_used += (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0);
  }
  return [...map.values()];
}

/** Rows per upsert statement (9 parameters each). */
const ROWS_PER_STATEMENT = 500;

/**
 * Adds a batch's consume rows into the hourly rollup with one atomic add per bucket
 * (`ON CONFLICT … DO UPDATE` / `ON DUPLICATE KEY UPDATE` on quota_data_bucket_uq), inside the log
 * writer's transaction: logs and sums commit together, and instances writing at once never duplicate a
 * bucket. Buckets are sorted so concurrent writers take row locks in one order (no deadlocks).
 */
export async function addToRollup(
  db: Kysely<LogDatabase>,
  dialect: SqlDialect,
  rows: readonly NewLog[],
): Promise<void> {
  const buckets = bucketsOf(rows).sort(
    (a, b) =>
      a.user_id - b.user_id ||
      a.created_at - b.created_at ||
      cmp(a.model_name, b.model_name) ||
      a.token_id - b.token_id ||
      a.channel_id - b.channel_id ||
      cmp(a.group, b.group),
  );
  for (let i = 0; i < buckets.length; i += ROWS_PER_STATEMENT) {
    await dialect.breathe();
    await dialect.upsertAdd(
      db,
      'quota_data',
      buckets.slice(i, i + ROWS_PER_STATEMENT) as unknown as Record<string, unknown>[],
      ['user_id', 'created_at', 'model_name', 'token_id', 'channel_id', 'group'],
      ['count', 'quota', 'token_used'],
    );
  }
  // the site-wide rollup (per hour, model, group) and the per-user one (per user, hour, model)
  for (const [table, keys] of [
    ['quota_data_model', ['created_at', 'model_name', 'group']],
    ['quota_data_user', ['user_id', 'created_at', 'model_name']],
  ] as const) {
    const sums = sumBy(buckets, keys);
    for (let i = 0; i < sums.length; i += ROWS_PER_STATEMENT) {
      await dialect.breathe();
      await dialect.upsertAdd(
        db,
        table,
        sums.slice(i, i + ROWS_PER_STATEMENT) as unknown as Record<string, unknown>[],
        [...keys],
        ['count', 'quota', 'token_used'],
      );
    }
  }
}

type Sums = Pick<Bucket, 'count' | 'quota' | 'token_used'>;

/** The same buckets summed per `keys` (hour and model, with the group or the user), in key order. */
function sumBy<K extends keyof Bucket>(
  buckets: readonly Bucket[],
  keys: readonly K[],
): Array<Pick<Bucket, K> & Sums> {
  const map = new Map<string, Pick<Bucket, K> & Sums>();
  for (const b of buckets) {
    const key = keys.map((k) => b[k]).join('\u0000');
    const m = map.get(key);
    if (m) {
      m.count += b.count;
      m.quota += b.quota;
      m.token_used += b.token_used;
    } else {
      const row = { count: b.count, quota: b.quota, token_used: b.token_used } as Pick<Bucket, K> & Sums;
      for (const k of keys) row[k] = b[k] as (Pick<Bucket, K> & Sums)[K];
      map.set(key, row);
    }
  }
  return [...map.values()].sort((a, b) => {
    for (const k of keys) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
