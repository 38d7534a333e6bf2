import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { bulkInserter } from './bulk-insert.ts';
import { onConflictAdder, onConflictReplace, returningInsertId } from './shared-sql.ts';
import { type Checkpointer, SAFETY_PAGES, startCheckpointer } from './sqlite-checkpointer.ts';
import type { SqlDialect } from './types.ts';

/** The better-sqlite3 connection under a Kysely instance (for hot paths that run as one synchronous unit). */
const raw = new WeakMap<Kysely<any>, Database.Database>();
export const sqliteConnectionOf = (db: Kysely<any>): Database.Database | undefined => raw.get(db);
const checkpointers = new WeakMap<Kysely<any>, Checkpointer>();
export const checkpointerOf = (db: Kysely<any>): Checkpointer | undefined => checkpointers.get(db);
/** Stops the database's checkpoint worker (after a last checkpoint); call with the connection's close. */
export const stopCheckpointer = (db: Kysely<any>): Promise<void> =>
  checkpointers.get(db)?.stop() ?? Promise.resolve();

const q = (id: string) => `"${id}"`;
const insert = bulkInserter(q, () => '?');

export const sqliteDialect: SqlDialect = {
  kind: 'sqlite',

  open(path) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const conn = new Database(path);
    // WAL lets readers run beside the one writer; busy_timeout turns "database is locked" into a wait.
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('busy_timeout = 5000');
    conn.pragma('foreign_keys = OFF');
    // Must be set before the first table exists to take effect; harmless afterwards.
    conn.pragma('auto_vacuum = INCREMENTAL');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: conn }) });
    raw.set(db, conn);
    if (path !== ':memory:') {
      // checkpoints on a worker thread (sqlite-checkpointer.ts); the WAL file is cut back after each reset
      conn.pragma(`wal_autocheckpoint = ${SAFETY_PAGES}`);
      conn.pragma(`journal_size_limit = ${SAFETY_PAGES * 4096}`);
      const checkpointer = startCheckpointer(path);
      checkpointers.set(db, checkpointer);
      // however the connection is closed (Kysely's destroy, the importer's source): the worker goes with it
      const close = conn.close.bind(conn);
      conn.close = () => {
        void checkpointer.stop();
        return close();
      };
    }
    return db;
  },

  addId(tb, name = 'id') {
    return tb.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement());
  },

  longText: 'text',

  insertRows: insert,

  insertId: returningInsertId,

  upsertAdd: onConflictAdder(insert, q),

  upsertReplace: onConflictReplace,

  async deleteOlderBatch(db, table, column, before, limit) {
    const result = await sql`DELETE FROM ${sql.table(table)} WHERE rowid IN (
        SELECT rowid FROM ${sql.table(table)} WHERE ${sql.ref(column)} < ${before} ORDER BY ${sql.ref(column)} LIMIT ${limit})`.execute(
      db,
    );
    return Number(result.numAffectedRows ?? 0);
  },

  ilike(column, pattern) {
    // SQLite's LIKE is case-insensitive for ASCII by default.
    return sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '!'`;
  },

  sameText(column, value) {
    return sql<boolean>`${sql.ref(column)} = ${value} COLLATE NOCASE`;
  },

  async caseInsensitiveUnique(db, table, name, column) {
    await sql`CREATE UNIQUE INDEX IF NOT EXISTS ${sql.id(name)} ON ${sql.id(table)} (${sql.ref(column)} COLLATE NOCASE)`.execute(
      db,
    );
  },

  async dropIndex(db, _table, name) {
    await db.schema.dropIndex(name).ifExists().execute();
  },

  breathe() {
    // the caller keeps its transaction's connection meanwhile: other queries wait for it, none run inside it
    return new Promise<void>((resolve) => setImmediate(resolve));
  },

  async reclaim(db) {
    await sql`PRAGMA incremental_vacuum(2000)`.execute(db);
  },
};
