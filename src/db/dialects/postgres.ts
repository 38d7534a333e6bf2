import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { withTimeouts } from '../unavailable.ts';
import { bulkInserter } from './bulk-insert.ts';
import { onConflictAdder, onConflictReplace, returningInsertId } from './shared-sql.ts';
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
const insert = bulkInserter(q, (i) => `$${i}`);

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

  async reclaim() {
    // autovacuum reclaims dead tuples.
  },
};
