/**
 * Generates realistic log rows inside the database itself (one INSERT … SELECT over a number sequence),
 * then the hourly rollups from them: N rows over 90 days ending now, 2,000 users, 6,000 tokens, 31 models,
 * 20 channels, skewed (low user ids, models and channels get most of the traffic), 90 % consume, 5 % error,
 * 3 % manage, 1 % top-up, 1 % system. Indexes are dropped during the load and rebuilt after (a sorted
 * build is several times faster than 10M random index inserts).
 */
import { sql } from 'kysely';
import type { DbHandle } from '../src/db/connect.ts';
import { LogPartitions } from '../src/db/log-partitions.ts';
import type { LogDatabase } from '../src/db/schema.ts';
import { rebuildRollup } from '../src/modules/usage-data/rebuild.ts';

export const DAYS = 90;

/** Deterministic pseudo-random numbers from the row number n (Knuth's multiplicative hash, salted). */
const h = (salt: number) => sql`((${sql.ref('n')} * 2654435761 + ${sql.lit(salt * 40503)}) % 4294967296)`;
/** Skewed 0..30: the product of two uniform 0..31 numbers, over 32 (low values far more likely). */
const skew = (a: number, b: number) => sql`((${h(a)} % 32) * (${h(b)} % 32) / 32)`;

function rowSelect(start: number, span: number, rows: number) {
  // 1 + a·b/2 for a, b uniform in 0..63: user 1 (a or b zero, ~3 % of rows) is the heavy user
  const user = sql`(1 + (${h(1)} % 64) * (${h(2)} % 64) / 2)`;
  const type = sql`(CASE WHEN ${h(4)} % 100 < 90 THEN 2 WHEN ${h(4)} % 100 < 95 THEN 4 WHEN ${h(4)} % 100 < 98 THEN 3 WHEN ${h(4)} % 100 < 99 THEN 1 ELSE 5 END)`;
  return sql`SELECT
      ${user} AS user_id,
      'user-' || ${user} AS username,
      ${sql.lit(start)} + ${sql.ref('n')} * ${sql.lit(span)} / ${sql.lit(rows)} AS created_at,
      ${type} AS type,
      CASE WHEN ${type} = 2 THEN 'API call succeeded' ELSE 'event ' || (${h(5)} % 1000) END AS content,
      ${user} * 3 + ${h(6)} % 3 AS token_id,
      'token-' || (${user} * 3 + ${h(6)} % 3) AS token_name,
      'model-' || ${skew(7, 8)} AS model_name,
      CASE WHEN ${type} = 2 THEN 100 + ${h(9)} % 5000 ELSE 0 END AS quota,
      10 + ${h(10)} % 2000 AS prompt_tokens,
      ${h(11)} % 1000 AS completion_tokens,
      ${h(12)} % 30 AS use_time,
      ${h(13)} % 2 AS is_stream,
      1 + ${skew(14, 15)} * 20 / 31 AS channel_id,
      CASE WHEN ${h(16)} % 10 < 8 THEN 'default' ELSE 'vip' END AS ${sql.ref('group')},
      '10.0.' || (${h(17)} % 256) || '.' || (${h(18)} % 256) AS ip,
      'req-' || ${sql.ref('n')} AS request_id,
      '{"model_ratio":1,"group_ratio":1,"completion_ratio":4,"model_price":-1,"frt":420,"usage_source":"upstream","request_path":"/v1/chat/completions","admin_info":{"attempts":[{"channel_id":1,"status":200}]}}' AS other`;
}

const COLUMNS = sql.raw(
  'user_id, username, created_at, type, content, token_id, token_name, model_name, quota, prompt_tokens, completion_tokens, use_time, is_stream, channel_id, "group", ip, request_id, other',
);

/** Fills `logs` with `rows` rows ending at `end` (engine: sqlite or postgres), then the rollups. */
export async function generateLogs(
  h0: DbHandle<LogDatabase>,
  rows: number,
  end: number,
  say: (line: string) => void,
): Promise<void> {
  const db = h0.db;
  const span = DAYS * 86_400;
  const start = end - span;
  const kind = h0.dialect.kind;
  const indexes =
    kind === 'sqlite'
      ? (
          await sql<{
            name: string;
            sql: string;
          }>`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logs' AND sql IS NOT NULL`.execute(
            db,
          )
        ).rows
      : (
          await sql<{
            name: string;
            sql: string;
          }>`SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE tablename = 'logs' AND indexname <> 'logs_pkey'`.execute(
            db,
          )
        ).rows;
  // PostgreSQL's week partitions: every week of the range made first, so rows go straight to their week
  const parts = new LogPartitions(h0, { now: () => end });
  if (await parts.active()) {
    const days: number[] = [];
    for (let d = start - 86_400; d <= end + 86_400; d += 86_400) days.push(d);
    await parts.ensureWeeks(days);
  }
  for (const i of indexes) await sql`DROP INDEX ${sql.ref(i.name)}`.execute(db);
  const chunk = 1_000_000;
  let t0 = Date.now();
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk);
    const seq =
      kind === 'sqlite'
        ? sql`WITH RECURSIVE seq(n) AS (SELECT ${sql.lit(from)} UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${sql.lit(to)}) `
        : sql`WITH seq AS (SELECT generate_series(${sql.lit(from)}::bigint, ${sql.lit(to - 1)}::bigint) AS n) `;
    await sql`${seq}INSERT INTO logs (${COLUMNS}) ${rowSelect(start, span, rows)} FROM seq`.execute(db);
    say(`  ${to.toLocaleString()} rows (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  t0 = Date.now();
  // a partitioned table's index reads "ON ONLY logs" in pg_indexes: made again on the whole table
  for (const i of indexes) await sql.raw(i.sql.replace(' ON ONLY ', ' ON ')).execute(db);
  say(`  ${indexes.length} indexes rebuilt in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  t0 = Date.now();
  await rebuildRollup(h0, start, end);
  say(`  hourly rollups rebuilt in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // PostgreSQL: VACUUM sets the visibility map (what autovacuum does for a live table), so index-only
  // scans need no heap visits; both engines get planner statistics
  if (kind === 'postgres') await sql`VACUUM ANALYZE`.execute(db);
  else await sql`ANALYZE`.execute(db);
}
