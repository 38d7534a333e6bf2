import { type Kysely, sql } from 'kysely';
import type { DbHandle } from './connect.ts';
import type { LogDatabase } from './schema.ts';

/**
 * PostgreSQL logs partitioned by week of `created_at` (issue 20; weeks start Monday 00:00 UTC):
 * `logs_pYYYYMMDD` named by the Monday, created ahead by the server, and `logs_default` for stragglers (an
 * import of old logs, a clock far off). A week leaves by DETACH + DROP (milliseconds, whatever its size)
 * instead of millions of DELETEs; only the week a cutoff falls in is deleted from in batches (retention's
 * hourly runs then delete an hour of rows each). Queries with a time range read only the weeks in it.
 * Weeks, not days: a query without a time range plans and probes every partition; with days (98 for 90
 * days of logs) a rare-channel list over all time took 43.5 ms p95 on PostgreSQL at 10M rows, and 1.0 ms
 * with one table (docs/PERFORMANCE.md).
 * SQLite and MySQL keep one table (their retention deletes in batches, as before).
 */

const DAY = 86_400;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday of the Unix epoch: weeks are counted from it */
const MONDAY = 4 * DAY;
export const DEFAULT_PARTITION = 'logs_default';
/** Weeks created ahead of this one, so a week's partition exists well before its first row. */
export const AHEAD_WEEKS = 2;
/** Weeks back an existing table's move gives partitions of their own (older rows: the default, then the upkeep). */
const RECENT_WEEKS = 60;
/** A DETACH waits at most this long for its lock, so writers queued behind it are never held longer. */
const LOCK_TIMEOUT_MS = 15;

/**
 * The indexes of `logs` (migrations logs-001 and -002), each (filter, created_at, id): declared once on
 * the partitioned table, every partition gets its own.
 */
export const LOG_INDEXES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['logs_created_idx', ['created_at', 'id']],
  ['logs_type_idx', ['type', 'created_at', 'id']],
  ['logs_request_idx', ['request_id']],
  ['logs_model_idx', ['model_name', 'created_at', 'id']],
  ['logs_token_name_idx', ['token_name', 'created_at', 'id']],
  ['logs_channel_idx', ['channel_id', 'created_at', 'id']],
  ['logs_user_filters_idx', ['user_id', 'created_at', 'type', 'model_name', 'token_name', 'group']],
];

export interface Partition {
  name: string;
  /** [from, to) in Unix seconds; null for the default partition */
  from: number | null;
  to: number | null;
}

/** The Monday 00:00 UTC a time falls in the week of. */
export const weekStart = (t: number) => t - ((((t - MONDAY) % WEEK) + WEEK) % WEEK);
export const weekName = (from: number) =>
  `logs_p${new Date(from * 1000).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** The staging table a partitioned `logs` is built in before it takes the name (`swapInPartitioned`). */
export const STAGING = 'logs_new';

/**
 * `logs_new`: partitioned by `created_at`, with the columns, defaults (the id sequence included) and NOT NULLs
 * of `logs` as it stands (`LIKE`, so a later column comes along), its indexes and a default partition; no
 * rows, no week partitions yet. A left-over `logs_new` (an interrupted move) is dropped first.
 */
export async function createStaging(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.id(STAGING)} CASCADE`.execute(db);
  await sql`CREATE TABLE ${sql.id(STAGING)} (LIKE logs INCLUDING DEFAULTS, CONSTRAINT ${sql.id(`${STAGING}_pkey`)}
    PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)`.execute(db);
  for (const [name, columns] of LOG_INDEXES)
    await sql`CREATE INDEX ${sql.id(`${STAGING}_${name}`)} ON ${sql.id(STAGING)} (${sql.join(columns.map((c) => sql.id(c)))})`.execute(
      db,
    );
  await sql`CREATE TABLE ${sql.id(`${STAGING}_default`)} PARTITION OF ${sql.id(STAGING)} DEFAULT`.execute(db);
}

/**
 * Inside the caller's transaction: `logs_new` becomes `logs` — the id sequence handed over (it goes on
 * where it was), the old table dropped, the table, its key, indexes and default partition renamed.
 */
export async function swapInStaging(trx: Kysely<any>): Promise<void> {
  await sql`ALTER SEQUENCE logs_id_seq OWNED BY ${sql.id(STAGING)}.id`.execute(trx);
  await sql`DROP TABLE logs`.execute(trx);
  await sql`ALTER TABLE ${sql.id(STAGING)} RENAME TO logs`.execute(trx);
  await sql`ALTER TABLE logs RENAME CONSTRAINT ${sql.id(`${STAGING}_pkey`)} TO logs_pkey`.execute(trx);
  for (const [name] of LOG_INDEXES)
    await sql`ALTER INDEX ${sql.id(`${STAGING}_${name}`)} RENAME TO ${sql.id(name)}`.execute(trx);
  await sql`ALTER TABLE ${sql.id(`${STAGING}_default`)} RENAME TO ${sql.id(DEFAULT_PARTITION)}`.execute(trx);
}

/** Whether `logs` is a partitioned table (PostgreSQL only). */
export async function isPartitioned(db: Kysely<any>, table = 'logs'): Promise<boolean> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_partitioned_table p
    JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = ${table} AND pg_table_is_visible(c.oid)`.execute(
    db,
  );
  return (r.rows[0]?.n ?? 0) > 0;
}

/** The partitions of `logs` with their ranges, oldest first, the default last. */
export async function listPartitions(db: Kysely<any>, table = 'logs'): Promise<Partition[]> {
  const r = await sql<{ name: string; bound: string }>`SELECT c.relname AS name,
      pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = ${table} AND pg_table_is_visible(p.oid)`.execute(db);
  const out = r.rows.map(({ name, bound }) => {
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(bound);
    return { name, from: m ? Number(m[1]) : null, to: m ? Number(m[2]) : null };
  });
  return out.sort((a, b) => (a.from ?? Number.MAX_SAFE_INTEGER) - (b.from ?? Number.MAX_SAFE_INTEGER));
}

/**
 * PostgreSQL's answers when another instance made the same partition first: the table exists (42P07), or
 * its catalog row was being inserted at the same time (23505 on pg_type), or the range is taken (42P17).
 */
const raced = (err: unknown) => ['42P07', '23505', '42P17'].includes((err as { code?: string })?.code ?? '');
/** The table is gone: another instance dropped it first (42P01). */
const gone = (err: unknown) => (err as { code?: string })?.code === '42P01';

/**
 * The log partitions' upkeep on PostgreSQL: week partitions created ahead, stragglers moved out of the
 * default partition into their weeks, whole weeks dropped for retention and `DELETE /api/log/`.
 * Several instances may run it at once: a partition another made first is not an error.
 */
export class LogPartitions {
  private readonly now: () => number;
  /** the partitioned table (`logs`; another name while `partitionExisting` fills it) */
  private readonly table: string;
  private readonly fallback: string;

  constructor(
    private readonly h: DbHandle<LogDatabase>,
    o: { now?: () => number; table?: string } = {},
  ) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
    this.table = o.table ?? 'logs';
    this.fallback = `${this.table}_default`;
  }

  private get db(): Kysely<any> {
    return this.h.db as Kysely<any>;
  }

  /** Whether this database keeps its logs partitioned (PostgreSQL, once migrated). */
  async active(): Promise<boolean> {
    return this.h.dialect.kind === 'postgres' && (await isPartitioned(this.db, this.table));
  }

  /** The partitions of the weeks these times fall in; how many were made. */
  async ensureWeeks(times: Iterable<number>): Promise<number> {
    let n = 0;
    for (const w of new Set([...times].map(weekStart))) if (await this.ensureWeek(w)) n += 1;
    return n;
  }

  /**
   * Week partitions from last week to AHEAD_WEEKS ahead, then the default partition drained into weeks
   * of their own. Returns the partitions created.
   */
  async maintain(): Promise<string[]> {
    if (!(await this.active())) return [];
    const made: string[] = [];
    const week = weekStart(this.now());
    for (let w = week - WEEK; w <= week + AHEAD_WEEKS * WEEK; w += WEEK)
      if (await this.ensureWeek(w)) made.push(weekName(w));
    made.push(...(await this.drainDefault()));
    return made;
  }

  /**
   * Every week that has rows in the default partition gets its partition, the rows moved into it in the
   * same transaction (a partition cannot be created over rows the default holds). Bounded per run.
   */
  async drainDefault(maxWeeks = 60): Promise<string[]> {
    const weeks = await sql<{
      d: string;
    }>`SELECT DISTINCT created_at - ((((created_at - ${MONDAY}) % ${WEEK}) + ${WEEK}) % ${WEEK}) AS d
      FROM ${sql.id(this.fallback)} ORDER BY 1 LIMIT ${maxWeeks}`.execute(this.db);
    const made: string[] = [];
    for (const { d } of weeks.rows) if (await this.ensureWeek(Number(d))) made.push(weekName(Number(d)));
    return made;
  }

  /** The partition of the week starting at `from`; whether it was created now. */
  private async ensureWeek(from: number): Promise<boolean> {
    // named for `logs` even while `partitionExisting` fills another table: nothing to rename at the swap
    const name = weekName(from);
    const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${name}
      AND pg_table_is_visible(oid)`.execute(this.db);
    if ((exists.rows[0]?.n ?? 0) > 0) return false;
    try {
      await this.db.transaction().execute(async (trx) => {
        // rows of that week waiting in the default partition move with it: the new table is filled and the
        // default emptied of that week before it is attached (ATTACH then checks the default by itself)
        await sql`CREATE TABLE ${sql.id(name)} (LIKE ${sql.id(this.table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
          trx,
        );
        await sql`WITH gone AS (DELETE FROM ${sql.id(this.fallback)}
            WHERE created_at >= ${from} AND created_at < ${from + WEEK} RETURNING *)
          INSERT INTO ${sql.id(name)} SELECT * FROM gone`.execute(trx);
        await sql`ALTER TABLE ${sql.id(this.table)} ATTACH PARTITION ${sql.id(name)} FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(from + WEEK)})`.execute(
          trx,
        );
      });
      return true;
    } catch (err) {
      if (raced(err)) return false;
      throw err;
    }
  }

  /**
   * Drops every week partition wholly before `before`, each detached under a short lock timeout (retried)
   * so no writer waits behind it longer than that. Returns the rows they held.
   */
  async dropBefore(before: number): Promise<number> {
    let rows = 0;
    for (const p of await listPartitions(this.db, this.table)) {
      if (p.to === null || p.to > before) continue;
      try {
        const n = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.id(p.name)}`.execute(this.db);
        await this.detach(p.name);
        await sql`DROP TABLE IF EXISTS ${sql.id(p.name)}`.execute(this.db);
        rows += Number(n.rows[0]?.n ?? 0);
      } catch (err) {
        // another instance's retention took this week first (without Redis, runs may overlap)
        if (!gone(err)) throw err;
      }
    }
    return rows;
  }

  /** The partitions a cutoff at `before` deletes from row by row: the week it falls in, and the default. */
  async partialBefore(before: number): Promise<string[]> {
    return (await listPartitions(this.db, this.table))
      .filter((p) => p.from === null || (p.from < before && (p.to ?? 0) > before))
      .map((p) => p.name);
  }

  private async detach(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.connection().execute(async (c) => {
          await sql`SET lock_timeout = ${sql.lit(`${LOCK_TIMEOUT_MS}ms`)}`.execute(c);
          try {
            await sql`ALTER TABLE ${sql.id(this.table)} DETACH PARTITION ${sql.id(name)}`.execute(c);
          } finally {
            await sql`RESET lock_timeout`.execute(c);
          }
        });
        return;
      } catch (err) {
        const code = (err as { code?: string })?.code;
        // 55P03 lock_not_available: a long query holds the table; try again shortly, then give up for now
        if (gone(err) || /is not a partition/.test(String((err as Error)?.message))) return;
        if (code !== '55P03' || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  }
}

export interface PartitionProgress {
  copied: number;
  /** rows the old table held when the copy began (an estimate: writers keep adding) */
  total: number;
}

/**
 * Moves an existing (unpartitioned) PostgreSQL `logs` table into the partitioned layout, for a database
 * that had logs before this release (`npm run logs:partition`). The server may keep running: rows are
 * copied by id in batches into `logs_new` (its weeks made first), then, in one short transaction that
 * blocks log writes only for the rows written since the last batch, the tail is copied, the old table
 * dropped and the new one renamed into place. Safe to rerun: an interrupted copy starts over.
 */
export async function partitionExisting(
  h: DbHandle<LogDatabase>,
  o: { batch?: number; onProgress?: (p: PartitionProgress) => void; now?: () => number } = {},
): Promise<{ copied: number; partitions: number } | 'already'> {
  const db = h.db as Kysely<any>;
  if (h.dialect.kind !== 'postgres') throw new Error('log partitioning is for PostgreSQL only');
  if (await isPartitioned(db)) return 'already';
  const batch = o.batch ?? 20_000;
  const NEW = STAGING;
  await createStaging(db);
  const est = await sql<{ n: string }>`SELECT reltuples::bigint AS n FROM pg_class
    WHERE relname = 'logs' AND pg_table_is_visible(oid)`.execute(db);
  const total = Math.max(0, Number(est.rows[0]?.n ?? 0));
  const now = (o.now ?? (() => Math.floor(Date.now() / 1000)))();
  // a partition for each week of the last RECENT_WEEKS that has rows (an index range of logs_created_idx),
  // and last week to AHEAD_WEEKS ahead; older rows wait in the default partition, which the server's
  // upkeep drains 60 weeks a run
  const recent = await sql<{
    d: string;
  }>`SELECT DISTINCT created_at - ((((created_at - ${MONDAY}) % ${WEEK}) + ${WEEK}) % ${WEEK}) AS d
    FROM logs WHERE created_at >= ${weekStart(now) - RECENT_WEEKS * WEEK}`.execute(db);
  const weeks = new Set(recent.rows.map((r) => Number(r.d)));
  for (let w = weekStart(now) - WEEK; w <= weekStart(now) + AHEAD_WEEKS * WEEK; w += WEEK) weeks.add(w);
  const parts = new LogPartitions(h, { table: NEW, now: o.now });
  const partitions = await parts.ensureWeeks([...weeks].sort((a, b) => a - b));
  const copyAfter = async (trx: Kysely<any>, after: number, limit: number | null) => {
    const r = await sql<{ last: string | null; n: string }>`WITH b AS (
        SELECT * FROM logs WHERE id > ${after} ORDER BY id ${limit === null ? sql`` : sql`LIMIT ${limit}`}),
      -- logs_new was made LIKE logs: the same columns in the same order
      ins AS (INSERT INTO ${sql.id(NEW)} SELECT * FROM b)
      SELECT max(id) AS last, count(*) AS n FROM b`.execute(trx);
    return { last: r.rows[0]?.last === null ? after : Number(r.rows[0]?.last), n: Number(r.rows[0]?.n ?? 0) };
  };
  let after = 0;
  let copied = 0;
  for (;;) {
    const { last, n } = await copyAfter(db, after, batch);
    copied += n;
    after = last;
    o.onProgress?.({ copied, total });
    if (n < batch) break;
  }
  await db.transaction().execute(async (trx) => {
    // log writers wait here for the tail only (reads go on)
    await sql`LOCK TABLE logs IN EXCLUSIVE MODE`.execute(trx);
    const tail = await copyAfter(trx, after, null);
    copied += tail.n;
    await swapInStaging(trx);
  });
  o.onProgress?.({ copied, total });
  return { copied, partitions };
}
