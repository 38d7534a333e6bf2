import { createHash } from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { withTimeouts } from '../unavailable.ts';
import { onConflictAdder, onConflictReplace, type RowsInserter, returningInsertId } from './shared-sql.ts';
import type { SqlDialect } from './types.ts';

// pg returns int8 (bigint, COUNT) and numeric (SUM of bigint) as strings; every such value here is a
// count or a quota well inside 2^53.
pg.types.setTypeParser(20, Number);
pg.types.setTypeParser(1700, Number);

/**
 * Hot statements written once (the relay's reservation) start with a marker comment: `/*prepare NAME*\/`.
 * Such a text is sent as a named prepared statement, parsed and planned once per connection instead of
 * per call (the reservation's CTE: 0.69 → 0.41 ms a call on loopback). Kysely's driver passes
 * `(text, values)`; everything else goes through unchanged.
 */
/** The pg pool under a Kysely instance (metrics: connections in use, callers waiting). */
const pools = new WeakMap<object, pg.Pool>();
export const postgresPoolOf = (db: object): pg.Pool | undefined => pools.get(db);

const MARK = '/*prepare ';
function preparedByMarker(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(MARK) && args.length <= 2) {
      const name = text.slice(MARK.length, text.indexOf('*/'));
      return query({ name, text, values });
    }
    return query(...args);
  };
}

const q = (id: string) => `"${id}"`;

/** Column types of a table (`int8`, `varchar`, …), read once from the catalog: they name unnest's arrays. */
const columnTypes = new Map<string, Promise<Map<string, string>>>();
function typesOf(db: Kysely<any>, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    // the table as the INSERT itself will find it on the search_path
    types = sql<{
      column_name: string;
      udt_name: string;
    }>`SELECT a.attname AS column_name, t.typname AS udt_name
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass(${q(table)}) AND a.attnum > 0 AND NOT a.attisdropped`
      .execute(db)
      .then((r) => new Map(r.rows.map((c) => [c.column_name, c.udt_name])));
    types.catch(() => columnTypes.delete(table));
    columnTypes.set(table, types);
  }
  return types;
}

/**
 * Many rows as one array per column: `INSERT … SELECT * FROM unnest($1::int8[], $2::varchar[], …)`. The
 * text is the same for any number of rows, so it is a named prepared statement (parsed and planned once per
 * connection), where a multi-row VALUES of 500 rows × 18 columns had PostgreSQL parse and plan 9,000
 * parameters on every batch (the log writer's server process was the bottleneck at 81 % CPU).
 */
const statements = new Map<string, string>();
const insert: RowsInserter = async (db, table, columns, rows, suffix = '') => {
  if (rows.length === 0) return;
  const key = `${table}\u0000${columns.join(',')}\u0000${suffix}`;
  let text = statements.get(key);
  if (!text) {
    let types = await typesOf(db, table);
    if (columns.some((c) => !types.has(c))) {
      // read before a migration added the column (tests open many databases in one process): read again
      columnTypes.delete(table);
      types = await typesOf(db, table);
    }
    const arrays = columns.map((c, i) => {
      const t = types.get(c);
      if (!t) throw new Error(`insertRows: ${table}.${c} is not a column`);
      return `$${i + 1}::${t}[]`;
    });
    const body = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})${suffix}`;
    // named after its text: the same name for the same statement in every process
    text = `${MARK}tg_ins_${createHash('sha1').update(body).digest('hex').slice(0, 16)}*/ ${body}`;
    statements.set(key, text);
  }
  const params = columns.map((c) => {
    const values = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) values[r] = rows[r][c] ?? null;
    return values;
  });
  await db.executeQuery(CompiledQuery.raw(text, params));
};

export const postgresDialect: SqlDialect = {
  kind: 'postgres',

  open(dsn, timeoutMs = 0) {
    const pool = new pg.Pool({
      connectionString: dsn,
      max: 10,
      keepAlive: true,
      ...(timeoutMs > 0 ? { connectionTimeoutMillis: timeoutMs } : {}),
    });
    // A connection the server closes (restart, failover, pg_terminate_backend) emits 'error': on an idle
    // one the pool's listener takes it, on one in use the client's own; without both a restart under
    // load ended the process. pg then drops the client and the next query opens a new one.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', () => {});
      preparedByMarker(client);
    });
    const db = new Kysely<any>({ dialect: withTimeouts(new PostgresDialect({ pool }), timeoutMs) });
    pools.set(db, pool);
    return db;
  },

  addId(tb, name = 'id') {
    // Kysely's autoIncrement() emits invalid SQL on PostgreSQL.
    return tb.addColumn(name, 'bigserial', (c) => c.primaryKey());
  },

  longText: 'text',

  insertRows: insert,

  insertId: returningInsertId,

  upsertAdd: onConflictAdder(insert, q),

  upsertReplace: onConflictReplace,

  async deleteOlderBatch(db, table, column, before, limit) {
    // A bounded sub-select: PostgreSQL has no DELETE … LIMIT.
    const result = await sql`DELETE FROM ${sql.table(table)} WHERE id IN (
        SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(column)} < ${before} ORDER BY ${sql.ref(column)} LIMIT ${limit})`.execute(
      db,
    );
    return Number(result.numAffectedRows ?? 0);
  },

  ilike(column, pattern) {
    return sql<boolean>`${sql.ref(column)} ILIKE ${pattern} ESCAPE '!'`;
  },

  sameText(column, value) {
    return sql<boolean>`lower(${sql.ref(column)}) = lower(${value})`;
  },

  async caseInsensitiveUnique(db, table, name, column) {
    await sql`CREATE UNIQUE INDEX IF NOT EXISTS ${sql.id(name)} ON ${sql.id(table)} (lower(${sql.ref(column)}))`.execute(
      db,
    );
  },

  async dropIndex(db, _table, name) {
    await db.schema.dropIndex(name).ifExists().execute();
  },

  breathe() {
    return undefined; // statements wait on the network: the event loop turns meanwhile
  },

  async reclaim() {
    // autovacuum reclaims dead tuples.
  },
};
