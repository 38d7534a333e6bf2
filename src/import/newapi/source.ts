import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { dialectFor } from '../../db/connect.ts';
import type { EngineKind } from '../../db/dialects/types.ts';

/**
 * A New API database, read only: a SQLite file path, `mysql://…` or `postgres://…`. Its schema differs
 * between New API versions (and forks), so every table is read by the columns it has: a missing column
 * takes its GORM default, an unknown one is ignored.
 */
export interface Source {
  db: Kysely<any>;
  kind: EngineKind;
  /** the columns of a table (empty: the table does not exist) */
  columns(table: string): Promise<Set<string>>;
  close(): Promise<void>;
}

function openSqliteReadOnly(path: string): Kysely<any> {
  const conn = new Database(path, { readonly: true, fileMustExist: true });
  conn.pragma('busy_timeout = 5000');
  try {
    conn.pragma('schema_version'); // reads the file now: a problem is told here, in words
  } catch (err) {
    conn.close();
    // a hot journal: New API stopped in the middle of a write, and only a writer can roll it back
    if ((err as { code?: string }).code === 'SQLITE_READONLY_ROLLBACK')
      throw new Error(
        `--from ${path}: New API stopped in the middle of a write (${path}-journal is left); start New API once, or open the file with sqlite3, so that SQLite rolls it back, then import again`,
      );
    throw err;
  }
  return new Kysely<any>({ dialect: new SqliteDialect({ database: conn }) });
}

export function openSource(from: string): Source {
  const server = /^(postgres(ql)?|mysql):\/\//.test(from);
  if (!server && !existsSync(from))
    throw new Error(`--from ${from}: no such SQLite file (or give mysql://… / postgres://…)`);
  const dialect = dialectFor(server ? from : '');
  // A SQLite file is opened read only and as it is: the serving connection's settings would switch New
  // API's file to WAL (and start a checkpoint thread), changing a database New API may still run on.
  const db = server ? dialect.open(from) : openSqliteReadOnly(from);
  const cache = new Map<string, Set<string>>();
  return {
    db,
    kind: dialect.kind,
    async columns(table) {
      let cols = cache.get(table);
      if (cols) return cols;
      let names: string[];
      if (dialect.kind === 'sqlite') {
        const r = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db);
        names = r.rows.map((x) => x.name);
      } else if (dialect.kind === 'postgres') {
        const r = await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
          WHERE table_name = ${table} AND table_schema = current_schema()`.execute(db);
        names = r.rows.map((x) => x.name);
      } else {
        const r = await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns
          WHERE table_name = ${table} AND table_schema = database()`.execute(db);
        names = r.rows.map((x) => x.name ?? (x as any).COLUMN_NAME);
      }
      cols = new Set(names);
      cache.set(table, cols);
      return cols;
    },
    close: () => db.destroy(),
  };
}

/** Reads the columns of `wanted` that the table has, rows with id > `after`, `limit` at a time, by id. */
export async function readBatch(
  src: Source,
  table: string,
  wanted: readonly string[],
  after: number,
  limit: number,
): Promise<Array<Record<string, unknown>>> {
  const have = await src.columns(table);
  const cols = wanted.filter((c) => have.has(c));
  return src.db
    .selectFrom(table)
    .select(cols.map((c) => sql.ref(c).as(c)))
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** A value as an integer (booleans, numeric strings, bigint), else `fallback`. */
export function int(v: unknown, fallback = 0): number {
  if (v === null || v === undefined || v === '') return fallback;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 't' || v === 'true') return 1;
  if (v === 'f' || v === 'false') return 0;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

export function str(v: unknown, fallback = ''): string {
  if (v === null || v === undefined) return fallback;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** GORM's soft delete: a live row has no deleted_at. */
export const isDeleted = (row: Record<string, unknown>) =>
  row.deleted_at !== null && row.deleted_at !== undefined;

/** deleted_at (a datetime) as Unix seconds. */
export function unixOf(v: unknown): number {
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  const t = Date.parse(str(v));
  return Number.isFinite(t) ? Math.floor(t / 1000) : Math.floor(Date.now() / 1000);
}
