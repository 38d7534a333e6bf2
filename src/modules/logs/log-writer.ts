import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { SqlDialect } from '../../db/dialects/types.ts';
import type { LogDatabase, NewLog } from '../../db/schema.ts';
import { isDatabaseUnavailable } from '../../db/unavailable.ts';
import { appendSpool, takeSpool } from '../../spool.ts';
import type { LogEntry, LogWriter } from './log-types.ts';

export interface BatchLogWriterOptions {
  db: Kysely<LogDatabase>;
  /** the log database's dialect: rows go in through its cached multi-row INSERT (else Kysely's builder) */
  dialect?: SqlDialect;
  /** flush when this many rows wait */
  batchSize?: number;
  /**
   * a batch takes at most this many rows: when rows pile up while a batch commits (a burst, a slow disk),
   * the next one takes them all, up to this. Index pages touched by many rows are written once per
   * commit, so larger batches cost less per row (SQLite: 15k rows/s in batches of 1,000, 22k in 5,000).
   */
  maxBatchSize?: number;
  /** or when the oldest waiting row is this old (ms) */
  maxDelayMs?: number;
  /** rows held in memory at most; beyond it write() drops the oldest row and counts it (never blocks) */
  maxBuffered?: number;
  /**
   * Whether a row becomes a log row (LogConsumeEnabled turns consume rows off), asked at write() when the
   * entry does not say (`keep`). Rows refused here still reach `inTransaction`: the rollup counts every
   * call whether or not its log row is kept.
   */
  store?: (row: NewLog) => boolean;
  /** whether rows count in the rollup (DataExportEnabled), asked at write() when the entry does not say */
  rollup?: () => boolean;
  /** more writes inside the batch's transaction (the hourly rollup), given the rows that count in it */
  inTransaction?: (trx: Transaction<LogDatabase>, rows: NewLog[]) => Promise<void>;
  now?: () => number;
  onError?: (err: unknown, attempt: number) => void;
  /**
   * A local file for rows the log database cannot take at shutdown (CONTRACT §12): `close` appends them as
   * JSON lines, `replaySpool` at the next start writes them. Without it such rows are lost (and counted).
   */
  spoolPath?: string;
  /** told how many rows went to the spool, or came back from it */
  onSpool?: (event: 'spooled' | 'replayed', rows: number, path: string) => void;
  /** told after each batch committed: rows stored, seconds the transaction took (metrics) */
  onBatch?: (rows: number, seconds: number) => void;
  /** given the rows of each batch once committed (the live tail): must not throw, must not block */
  onCommitted?: (rows: readonly NewLog[]) => void;
}

/** Every column a log row is written with (toRow fills them all). */
export const LOG_COLUMNS = [
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
] as const;

/** Rows per INSERT statement: keeps bound parameters under every engine's limit (19 columns). */
const ROWS_PER_STATEMENT = 500;

export function toRow(entry: LogEntry, now: number): NewLog {
  return {
    user_id: entry.user_id,
    username: entry.username,
    created_at: entry.created_at ?? now,
    type: entry.type,
    content: entry.content,
    token_id: entry.token_id ?? 0,
    token_name: entry.token_name ?? '',
    model_name: entry.model_name ?? '',
    quota: entry.quota ?? 0,
    prompt_tokens: entry.prompt_tokens ?? 0,
    completion_tokens: entry.completion_tokens ?? 0,
    use_time: entry.use_time ?? 0,
    is_stream: entry.is_stream ? 1 : 0,
    channel_id: entry.channel_id ?? 0,
    group: entry.group ?? '',
    ip: entry.ip ?? '',
    request_id: entry.request_id ?? '',
    other: entry.other ? JSON.stringify(entry.other) : '',
  };
}

/**
 * Buffers log rows and inserts them in batched transactions: one commit per batch instead of per row
 * (SQLite: 12k rows/s per-row commits vs 380k rows/s batched). A failed batch rolls back whole and is
 * retried as a whole, so rows are neither lost nor duplicated.
 */
/** A row waiting in the buffer, with what was decided for it when it was written. */
interface Pending {
  row: NewLog;
  keep: boolean;
  rollup: boolean;
  /** the id of the batch this row was tried in, once a try's outcome is unknown (spooled rows keep it) */
  batch?: string;
  /** LogEntry.onDone (a function: JSON leaves it out of the spool) */
  done?: () => void;
}

export class BatchLogWriter implements LogWriter {
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private closed = false;
  /** while closing, a batch gives up after 5 attempts instead of retrying forever */
  private closing = false;
  /** rows dropped because the buffer was full (database down for long) */
  dropped = 0;

  /** rows waiting to be written */
  get queued(): number {
    return this.buffer.length;
  }
  private batches = 0;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly maxDelayMs: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;

  constructor(private readonly opts: BatchLogWriterOptions) {
    this.batchSize = opts.batchSize ?? 1000;
    this.maxBatchSize = Math.max(this.batchSize, opts.maxBatchSize ?? 5000);
    this.maxDelayMs = opts.maxDelayMs ?? 200;
    this.maxBuffered = opts.maxBuffered ?? 100_000;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  }

  write(entry: LogEntry): void {
    if (this.closed) throw new Error('log writer is closed');
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift()?.done?.();
      this.dropped += 1;
    }
    const row = toRow(entry, this.now());
    this.buffer.push({
      row,
      keep: entry.keep ?? this.opts.store?.(row) ?? true,
      rollup: entry.rollup ?? this.opts.rollup?.() ?? true,
      done: entry.onDone,
    });
    if (this.buffer.length >= this.batchSize) this.schedule(0);
    else if (!this.timer) this.schedule(this.maxDelayMs);
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.inflight = this.inflight.then(() => this.drain());
    return this.inflight;
  }

  /** Flushes what is buffered; what the database cannot take goes to the spool. Later calls wait for the first. */
  close(): Promise<void> {
    this.closingDone ??= this.shutDown();
    return this.closingDone;
  }

  private closingDone: Promise<void> | undefined;

  private async shutDown(): Promise<void> {
    this.closing = true;
    try {
      await this.flush();
    } catch (err) {
      if (!this.opts.spoolPath) throw err;
      // the log database is away: keep the rows on local disk for the next start
      const rows = this.buffer.splice(0);
      await appendSpool(this.opts.spoolPath, rows);
      this.opts.onSpool?.('spooled', rows.length, this.opts.spoolPath);
    } finally {
      this.closed = true;
    }
  }

  /** Writes rows an earlier process spooled at shutdown (spool.ts: replayed again after a crash, never lost). */
  async replaySpool(): Promise<number> {
    const path = this.opts.spoolPath;
    const spooled = path ? await takeSpool<Pending>(path) : null;
    if (!path || !spooled) return 0;
    if (spooled.skipped > 0)
      this.opts.onError?.(new Error(`${spooled.skipped} spooled log rows could not be read (cut short)`), 0);
    this.buffer.unshift(...spooled.items);
    await this.flush();
    await spooled.done();
    this.opts.onSpool?.('replayed', spooled.items.length, path);
    return spooled.items.length;
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref?.();
  }

  /** Writes everything buffered, batch by batch; retries a failed batch with backoff. */
  /** The next batch: rows an earlier try left with an id stay together under it; others get a new id. */
  private nextBatch(): { id: string; rows: Pending[] } {
    const tried = this.buffer[0].batch;
    let n = 1;
    while (
      n < this.buffer.length &&
      (tried ? this.buffer[n].batch === tried : !this.buffer[n].batch && n < this.maxBatchSize)
    )
      n += 1;
    return { id: tried ?? randomBytes(12).toString('hex'), rows: this.buffer.splice(0, n) };
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      await this.opts.dialect?.breathe();
      const { id, rows: batch } = this.nextBatch();
      for (let attempt = 1; ; attempt++) {
        try {
          await this.insert(batch, id);
          break;
        } catch (err) {
          this.opts.onError?.(err, attempt);
          // closing: a database that is away goes straight to the spool (the shutdown has a deadline)
          if (this.closing && (attempt >= 5 || isDatabaseUnavailable(err))) {
            this.buffer.unshift(...batch.map((p) => ({ ...p, batch: id }))); // spooled with its id
            throw err;
          }
          await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 5000)));
        }
      }
      for (const p of batch) p.done?.();
    }
  }

  private async insert(batch: Pending[], id: string): Promise<void> {
    const kept = batch.filter((p) => p.keep).map((p) => p.row);
    const now = this.now();
    const t0 = performance.now();
    await this.opts.db.transaction().execute(async (trx) => {
      // exactly once: a retry (or a replay) of a batch whose COMMIT did land finds its id
      if (await trx.selectFrom('log_batches').select('id').where('id', '=', id).executeTakeFirst()) return;
      await trx.insertInto('log_batches').values({ id, created_at: now }).execute();
      for (let i = 0; i < kept.length; i += ROWS_PER_STATEMENT) {
        if (i > 0) await this.opts.dialect?.breathe();
        const chunk = kept.slice(i, i + ROWS_PER_STATEMENT);
        if (this.opts.dialect) await this.opts.dialect.insertRows(trx, 'logs', LOG_COLUMNS, chunk);
        else await trx.insertInto('logs').values(chunk).execute();
      }
      // the batch's model names, for `%` model filters (LogsRepo): a handful of rows per batch
      if (this.opts.dialect && kept.length > 0) await noteModels(trx, this.opts.dialect, kept);
      if (this.opts.inTransaction) {
        const counted = batch.filter((p) => p.rollup).map((p) => p.row);
        if (counted.length > 0) await this.opts.inTransaction(trx, counted);
      }
    });
    this.opts.onBatch?.(kept.length, (performance.now() - t0) / 1000);
    if (kept.length > 0) this.opts.onCommitted?.(kept);
    if (++this.batches % 1000 === 0)
      await this.opts.db
        .deleteFrom('log_batches')
        .where('created_at', '<', now - 86_400)
        .execute();
  }
}

/**
 * Adds the model names of `rows` to `log_models` (one atomic upsert, any number of writers), so that a
 * `%` model filter finds every name that has a log. Every path that inserts logs calls it in the same
 * transaction: the log writer and the importer.
 */
export async function noteModels(
  db: Kysely<any>,
  dialect: SqlDialect,
  rows: ReadonlyArray<{ model_name?: string | null }>,
): Promise<void> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const name = r.model_name ?? '';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const list = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await dialect.upsertAdd(
    db,
    'log_models',
    list.map(([model_name, log_count]) => ({ model_name, log_count })),
    ['model_name'],
    ['log_count'],
  );
}
