import type { ColumnDataType, CreateTableBuilder, Expression, Kysely, RawBuilder, SqlBool } from 'kysely';

export type EngineKind = 'sqlite' | 'postgres' | 'mysql';

/**
 * Everything that differs between SQLite, PostgreSQL and MySQL/MariaDB, declared once per engine.
 * Business code never asks which engine it runs on; it asks the dialect.
 */
export interface SqlDialect {
  readonly kind: EngineKind;
  /**
   * Opens a Kysely instance on the DSN (or SQLite path). `timeoutMs` (servers only; 0 = none) bounds a
   * connection acquire and every statement (unavailable.ts).
   */
  open(target: string, timeoutMs?: number): Kysely<any>;
  /** Adds an auto-increment integer primary key column. */
  addId<T extends string>(tb: CreateTableBuilder<T, any>, name?: string): CreateTableBuilder<T, any>;
  /** Unbounded text (MySQL TEXT caps at 64 KiB, so it gets MEDIUMTEXT). */
  readonly longText: ColumnDataType | RawBuilder<unknown>;
  /** Inserts many rows with one cached statement text (hot paths: the log writer). */
  insertRows(
    db: Kysely<any>,
    table: string,
    columns: readonly string[],
    rows: readonly Record<string, unknown>[],
    suffix?: string,
  ): Promise<void>;
  /** Inserts one row and returns its generated id (RETURNING where it exists, insertId on MySQL). */
  insertId(db: Kysely<any>, table: string, values: Record<string, unknown>): Promise<number>;
  /**
   * Inserts rows, adding `addColumns` into an existing row with the same unique key instead of
   * failing: one atomic statement, safe with concurrent writers on several instances.
   */
  upsertAdd(
    db: Kysely<any>,
    table: string,
    rows: Record<string, unknown>[],
    uniqueColumns: string[],
    addColumns: string[],
  ): Promise<void>;
  /** Inserts one row or, on a unique-key clash, overwrites `setColumns` with the new values. */
  upsertReplace(
    db: Kysely<any>,
    table: string,
    row: Record<string, unknown>,
    uniqueColumns: string[],
    setColumns: string[],
  ): Promise<void>;
  /** Deletes at most `limit` rows of `table` with `column < before`, oldest first; returns how many. */
  deleteOlderBatch(
    db: Kysely<any>,
    table: string,
    column: string,
    before: number,
    limit: number,
  ): Promise<number>;
  /** Case-insensitive (ASCII) `LIKE pattern ESCAPE '!'` on a column. Pattern must be escaped with escapeLike. */
  ilike(column: string, pattern: string): Expression<SqlBool>;
  /** `column = value`, ignoring case: usernames (CONTRACT §10). Served by `caseInsensitiveUnique`'s index. */
  sameText(column: string, value: string): Expression<SqlBool>;
  /** A unique index on `column` ignoring case (MySQL: its default collations already compare so). */
  caseInsensitiveUnique(db: Kysely<any>, table: string, name: string, column: string): Promise<void>;
  /** Drops an index if it exists (MySQL names the table; the others must not). */
  dropIndex(db: Kysely<any>, table: string, name: string): Promise<void>;
  /**
   * A turn of the event loop between two statements of a long unit of work (the log writer's batch), where
   * statements run on the event loop itself (SQLite: better-sqlite3 is synchronous, and a chain of awaited
   * statements is one chain of microtasks that holds every other request). Elsewhere nothing to wait for.
   */
  breathe(): Promise<void> | undefined;
  /** Space reclaim after large deletes where the engine needs it (SQLite incremental vacuum). */
  reclaim(db: Kysely<any>): Promise<void>;
}

/** Escapes LIKE metacharacters with '!' (the ESCAPE char every dialect's ilike declares). */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}
