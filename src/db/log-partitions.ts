import { type Kysely, sql } from 'kysely';
import type { DbHandle } from './connect.ts';
import type { LogDatabase } from './schema.ts';

/**
 * PostgreSQL logs partitioned by UTC day of `created_at` (issue 20): `logs_pYYYYMMDD` for each day, created
 * ahead by the server, and `logs_default` for stragglers (an import of old logs, a clock far off). A day
 * leaves by DETACH + DROP (milliseconds, whatever its size) instead of millions of DELETEs; only the day
 * a cutoff falls in is deleted from in batches. Queries with a time range read only the days in it.
 * SQLite and MySQL keep one table (their retention deletes in batches, as before).
 */

const DAY = 86_400;
export const DEFAULT_PARTITION = 'logs_default';
/** Days created ahead of today, so a day's partition exists well before its first row. */
export const AHEAD_DAYS = 7;
/** Days back an existing table's move gives partitions of their own (older rows: the default, then the upkeep). */
const RECENT_DAYS = 400;
/** A DETACH waits at most this long for its lock, so writers queued behind it are never held longer. */
const LOCK_TIMEOUT_MS = 50;

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

const dayStart = (t: number) => t - (((t % DAY) + DAY) % DAY);
const dayName = (from: number) =>
  `logs_p${new Date(from * 1000).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** Creates `logs` partitioned, with its indexes and default partition (no rows, no day partitions yet). */
export async function createPartitionedLogs(db: Kysely<any>, table = 'logs'): Promise<void> {
  await sql`CREATE TABLE ${sql.id(table)} (
    id bigserial NOT NULL,
    user_id bigint NOT NULL,
    username varchar(64) NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    type integer NOT NULL,
    content text NOT NULL,
    token_id bigint NOT NULL DEFAULT 0,
    token_name varchar(64) NOT NULL DEFAULT '',
    model_name varchar(191) NOT NULL DEFAULT '',
    quota bigint NOT NULL DEFAULT 0,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    use_time integer NOT NULL DEFAULT 0,
    is_stream integer NOT NULL DEFAULT 0,
    channel_id bigint NOT NULL DEFAULT 0,
    "group" varchar(64) NOT NULL DEFAULT '',
    ip varchar(64) NOT NULL DEFAULT '',
    request_id varchar(64) NOT NULL DEFAULT '',
    other text NOT NULL,
    PRIMARY KEY (id, created_at)
  ) PARTITION BY RANGE (created_at)`.execute(db);
  for (const [name, columns] of LOG_INDEXES)
    await sql`CREATE INDEX ${sql.id(table === 'logs' ? name : `${table}_${name}`)} ON ${sql.id(table)} (${sql.join(columns.map((c) => sql.id(c)))})`.execute(
      db,
    );
  await sql`CREATE TABLE ${sql.id(table === 'logs' ? DEFAULT_PARTITION : `${table}_default`)} PARTITION OF ${sql.id(table)} DEFAULT`.execute(
    db,
  );
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

/** PostgreSQL's codes for "it exists already" (another instance made it first). */
const raced = (err: unknown) => ['42P07', '42P17'].includes((err as { code?: string })?.code ?? '');

/**
 * The log partitions' upkeep on PostgreSQL: day partitions created ahead, stragglers moved out of the
 * default partition into their days, whole days dropped for retention and `DELETE /api/log/`.
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
    this.fallback = this.table === 'logs' ? DEFAULT_PARTITION : `${this.table}_default`;
  }

  private get db(): Kysely<any> {
    return this.h.db as Kysely<any>;
  }

  /** Whether this database keeps its logs partitioned (PostgreSQL, once migrated). */
  async active(): Promise<boolean> {
    return this.h.dialect.kind === 'postgres' && (await isPartitioned(this.db, this.table));
  }

  /** Day partitions for these day starts; how many were made. */
  async ensureDays(days: Iterable<number>): Promise<number> {
    let n = 0;
    for (const d of days) if (await this.ensureDay(dayStart(d))) n += 1;
    return n;
  }

  /**
   * Day partitions from yesterday to AHEAD_DAYS ahead, then the default partition drained into days of
   * their own. Returns the partitions created.
   */
  async maintain(): Promise<string[]> {
    if (!(await this.active())) return [];
    const made: string[] = [];
    const today = dayStart(this.now());
    for (let d = today - DAY; d <= today + AHEAD_DAYS * DAY; d += DAY)
      if (await this.ensureDay(d)) made.push(dayName(d));
    made.push(...(await this.drainDefault()));
    return made;
  }

  /**
   * Every day that has rows in the default partition gets its partition, the rows moved into it in the
   * same transaction (a partition cannot be created over rows the default holds). Bounded per run.
   */
  async drainDefault(maxDays = 400): Promise<string[]> {
    const days = await sql<{
      d: string;
    }>`SELECT DISTINCT created_at - (((created_at % ${DAY}) + ${DAY}) % ${DAY}) AS d
      FROM ${sql.id(this.fallback)} ORDER BY 1 LIMIT ${maxDays}`.execute(this.db);
    const made: string[] = [];
    for (const { d } of days.rows) if (await this.ensureDay(Number(d))) made.push(dayName(Number(d)));
    return made;
  }

  /** The partition of the day starting at `from`; whether it was created now. */
  private async ensureDay(from: number): Promise<boolean> {
    // named for `logs` even while `partitionExisting` fills another table: nothing to rename at the swap
    const name = dayName(from);
    const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${name}
      AND pg_table_is_visible(oid)`.execute(this.db);
    if ((exists.rows[0]?.n ?? 0) > 0) return false;
    try {
      await this.db.transaction().execute(async (trx) => {
        // rows of that day waiting in the default partition move with it: the new table is filled and the
        // default emptied of that day before it is attached (ATTACH then checks the default by itself)
        await sql`CREATE TABLE ${sql.id(name)} (LIKE ${sql.id(this.table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
          trx,
        );
        await sql`WITH gone AS (DELETE FROM ${sql.id(this.fallback)}
            WHERE created_at >= ${from} AND created_at < ${from + DAY} RETURNING *)
          INSERT INTO ${sql.id(name)} SELECT * FROM gone`.execute(trx);
        await sql`ALTER TABLE ${sql.id(this.table)} ATTACH PARTITION ${sql.id(name)} FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(from + DAY)})`.execute(
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
   * Drops every day partition wholly before `before`, each detached under a short lock timeout (retried)
   * so no writer waits behind it longer than that. Returns the rows they held.
   */
  async dropBefore(before: number): Promise<number> {
    let rows = 0;
    for (const p of await listPartitions(this.db, this.table)) {
      if (p.to === null || p.to > before) continue;
      const n = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.id(p.name)}`.execute(this.db);
      await this.detach(p.name);
      await sql`DROP TABLE IF EXISTS ${sql.id(p.name)}`.execute(this.db);
      rows += Number(n.rows[0]?.n ?? 0);
    }
    return rows;
  }

  /** The partitions a cutoff at `before` deletes from row by row: the day it falls in, and the default. */
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
        if (code === '42P01' || /is not a partition/.test(String((err as Error)?.message))) return;
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
 * copied by id in batches into `logs_new` (its days made first), then, in one short transaction that
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
  const NEW = 'logs_new';
  await sql`DROP TABLE IF EXISTS ${sql.id(NEW)} CASCADE`.execute(db);
  await createPartitionedLogs(db, NEW);
  const est = await sql<{ n: string }>`SELECT reltuples::bigint AS n FROM pg_class
    WHERE relname = 'logs' AND pg_table_is_visible(oid)`.execute(db);
  const total = Math.max(0, Number(est.rows[0]?.n ?? 0));
  const now = (o.now ?? (() => Math.floor(Date.now() / 1000)))();
  // a partition for each day of the last RECENT_DAYS that has rows (an index range of logs_created_idx),
  // and yesterday to a week ahead; older rows wait in the default partition, which the server's upkeep
  // drains a few hundred days a run
  const recent = await sql<{
    d: string;
  }>`SELECT DISTINCT created_at - (((created_at % ${DAY}) + ${DAY}) % ${DAY}) AS d
    FROM logs WHERE created_at >= ${dayStart(now) - RECENT_DAYS * DAY}`.execute(db);
  const days = new Set(recent.rows.map((r) => Number(r.d)));
  for (let d = dayStart(now) - DAY; d <= dayStart(now) + AHEAD_DAYS * DAY; d += DAY) days.add(d);
  const parts = new LogPartitions(h, { table: NEW, now: o.now });
  const partitions = await parts.ensureDays([...days].sort((a, b) => a - b));
  const cols = sql.join(
    [
      'id',
      'user_id',
      'username',
      'created_at',
      'type',
      'content',
      'token_id',
      'token_name',
      'model_name',
      'quota',
      'prompt_tokens',
      'completion_tokens',
      'use_time',
      'is_stream',
      'channel_id',
      'group',
      'ip',
      'request_id',
      'other',
    ].map((c) => sql.id(c)),
  );
  const copyAfter = async (trx: Kysely<any>, after: number, limit: number | null) => {
    const r = await sql<{ last: string | null; n: string }>`WITH b AS (
        SELECT ${cols} FROM logs WHERE id > ${after} ORDER BY id ${limit === null ? sql`` : sql`LIMIT ${limit}`}),
      ins AS (INSERT INTO ${sql.id(NEW)} (${cols}) SELECT ${cols} FROM b)
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
    await sql`SELECT setval(pg_get_serial_sequence(${NEW}, 'id'), GREATEST((SELECT max(id) FROM ${sql.id(NEW)}), 1))`.execute(
      trx,
    );
    await sql`DROP TABLE logs`.execute(trx);
    await sql`ALTER TABLE ${sql.id(NEW)} RENAME TO logs`.execute(trx);
    for (const [name] of LOG_INDEXES)
      await sql`ALTER INDEX ${sql.id(`${NEW}_${name}`)} RENAME TO ${sql.id(name)}`.execute(trx);
    await sql`ALTER TABLE logs RENAME CONSTRAINT ${sql.id(`${NEW}_pkey`)} TO logs_pkey`.execute(trx);
    await sql`ALTER SEQUENCE ${sql.id(`${NEW}_id_seq`)} RENAME TO logs_id_seq`.execute(trx);
    await sql`ALTER TABLE ${sql.id(`${NEW}_default`)} RENAME TO ${sql.id(DEFAULT_PARTITION)}`.execute(trx);
    // day partitions were named for logs_new: give them their final names
    for (const p of await listPartitions(trx, 'logs'))
      if (p.name.startsWith(`${NEW}_p`))
        await sql`ALTER TABLE ${sql.id(p.name)} RENAME TO ${sql.id(`logs_${p.name.slice(NEW.length + 1)}`)}`.execute(
          trx,
        );
  });
  o.onProgress?.({ copied, total });
  return { copied, partitions };
}
