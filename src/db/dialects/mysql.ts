import { Kysely, MysqlDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import { withTimeouts } from '../unavailable.ts';
import { bulkInserter } from './bulk-insert.ts';
import type { SqlDialect } from './types.ts';

const q = (id: string) => `\`${id}\``;
const insert = bulkInserter(q, () => '?');

export const mysqlDialect: SqlDialect = {
  kind: 'mysql',

  open(dsn, timeoutMs = 0) {
    const url = new URL(dsn);
    const pool = createPool({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.replace(/^\//, ''),
      connectionLimit: 10,
      charset: 'utf8mb4',
      // SUM() returns DECIMAL: read it as a number, like every other engine here.
      decimalNumbers: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      timezone: 'Z',
      enableKeepAlive: true,
      ...(timeoutMs > 0 ? { connectTimeout: timeoutMs } : {}),
    });
    // a pooled connection the server drops emits 'error'; unheard, it would end the process
    pool.on('connection', (conn) => conn.on('error', () => {}));
    return new Kysely({ dialect: withTimeouts(new MysqlDialect({ pool }), timeoutMs) });
  },

  addId(tb, name = 'id') {
    return tb.addColumn(name, 'bigint', (c) => c.primaryKey().autoIncrement());
  },

  longText: sql`mediumtext`,

  insertRows: insert,

  async insertId(db, table, values) {
    // MySQL has no RETURNING.
    const result = await db.insertInto(table).values(values).executeTakeFirstOrThrow();
    return Number(result.insertId);
  },

  async upsertAdd(db, table, rows, _uniqueColumns, addColumns) {
    if (rows.length === 0) return;
    const set = addColumns.map((c) => `${q(c)} = ${q(c)} + VALUES(${q(c)})`).join(', ');
    await insert(db, table, Object.keys(rows[0]), rows, ` ON DUPLICATE KEY UPDATE ${set}`);
  },

  async upsertReplace(db, table, row, _uniqueColumns, setColumns) {
    await db
      .insertInto(table)
      .values(row)
      .onDuplicateKeyUpdate(Object.fromEntries(setColumns.map((c) => [c, sql`VALUES(${sql.ref(c)})`])))
      .execute();
  },

  async deleteOlderBatch(db, table, column, before, limit) {
    const result =
      await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} < ${before} ORDER BY ${sql.ref(column)} LIMIT ${limit}`.execute(
        db,
      );
    return Number(result.numAffectedRows ?? 0);
  },

  ilike(column, pattern) {
    // The default utf8mb4 collations compare case-insensitively.
    return sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '!'`;
  },

  sameText(column, value) {
    // utf8mb4_general_ci (and the other default collations) compare case-insensitively
    return sql<boolean>`${sql.ref(column)} = ${value}`;
  },

  async caseInsensitiveUnique() {
    // the plain unique index on the column already ignores case under the default collations
  },

  async dropIndex(db, table, name) {
    await db.schema.dropIndex(name).ifExists().on(table).execute();
  },

  breathe() {
    return undefined; // statements wait on the network: the event loop turns meanwhile
  },

  async reclaim() {
    // InnoDB reuses freed pages.
  },
};
