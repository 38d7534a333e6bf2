/**
 * The journal row's columns and the PostgreSQL reservation statement (quota.repo.ts), written once at
 * start: the hot path only fills in parameters.
 */

export const JOURNAL_COLUMNS = [
  'request_id',
  'owner',
  'user_id',
  'token_id',
  'limited',
  'amount',
  'created_at',
  'username',
  'token_name',
  'model_name',
  'group',
  'ip',
  'path',
  'is_stream',
  'rollup',
] as const;

const JOURNAL_TYPES: Record<(typeof JOURNAL_COLUMNS)[number], string> = {
  request_id: 'varchar',
  owner: 'varchar',
  user_id: 'integer',
  token_id: 'integer',
  limited: 'smallint',
  amount: 'bigint',
  created_at: 'bigint',
  username: 'varchar',
  token_name: 'varchar',
  model_name: 'varchar',
  group: 'varchar',
  ip: 'varchar',
  path: 'varchar',
  is_stream: 'smallint',
  rollup: 'smallint',
};

/**
 * The PostgreSQL reservation (see reserveInOneStatement), written once: $1 user id, $2 amount, $3 limited
 * token, $4 token id, $5 now, then the journal columns in JOURNAL_COLUMNS order (typed: a SELECT list's
 * parameters would otherwise be text).
 */
export const RESERVE_PG = `/*prepare tg_reserve*/ WITH t AS (
  UPDATE tokens SET remain_quota = remain_quota - $2, used_quota = used_quota + $2, accessed_time = $5
  WHERE $3::boolean AND id = $4 AND remain_quota >= $2 RETURNING id
),
u AS (
  UPDATE users SET quota = quota - $2, used_quota = used_quota + $2, request_count = request_count + 1
  WHERE id = $1 AND quota >= $2 AND (NOT $3::boolean OR EXISTS (SELECT 1 FROM t)) RETURNING id
),
j AS (
  INSERT INTO pending_calls (${JOURNAL_COLUMNS.map((c) => `"${c}"`).join(', ')})
  SELECT ${JOURNAL_COLUMNS.map((c, i) => `$${i + 6}::${JOURNAL_TYPES[c]}`).join(', ')} FROM u RETURNING 1
)
SELECT (SELECT count(*) FROM t)::int AS t,
  CASE WHEN (SELECT count(*) FROM t) > (SELECT count(*) FROM u) THEN 1 / (SELECT count(*) FROM u)::int
  ELSE (SELECT count(*) FROM u)::int END AS u`;
