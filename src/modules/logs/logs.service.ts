import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogPartitions } from '../../db/log-partitions.ts';
import type { LogRow } from '../../db/schema.ts';
import { badRequest } from '../../http/errors.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { OptionsService } from '../options/options.service.ts';
import { HOUR } from '../usage-data/rollup.ts';
import type { UsageDataRepo } from '../usage-data/usage-data.repo.ts';
import { csvField, csvLine } from './csv.ts';
import { adminLogView, userLogView } from './log-view.ts';
import { type Cursor, type LogFilter, type LogsRepo, TOTAL_CAP } from './logs.repo.ts';

/**
 * Rows per DELETE statement: small enough that a log batch waiting behind it is never held long (the
 * benchmark in bench/logs.ts measures the longest stall), large enough to move millions of rows a minute.
 */
export const DELETE_BATCH = 2000;
/** rows per CSV export page (one event-loop turn each) */
const EXPORT_PAGE = 500;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface PageArgs {
  page: number;
  pageSize: number;
  offset: number;
  cursor?: Cursor;
  /** oldest first (no cursor then) */
  ascending?: boolean;
}

export type View = 'admin' | 'user';

/** What the logs and usage modules ask of the users module. */
export interface UserDirectory {
  idByUsername(username: string): Promise<number | undefined>;
  findAuthById(id: number): Promise<{ status: number; session_version: number } | undefined>;
}

const CSV_COLUMNS = [
  'id',
  'created_at',
  'time_utc',
  'type',
  'username',
  'token_name',
  'model_name',
  'quota',
  'prompt_tokens',
  'completion_tokens',
  'use_time',
  'is_stream',
  'group',
  'ip',
  'request_id',
  'content',
  'other',
] as const;

export class LogsService {
  constructor(
    private readonly repo: LogsRepo,
    private readonly rollup: UsageDataRepo,
    private readonly channels: ChannelsService,
    private readonly options: OptionsService,
    /** the users module, for filters by name and keys of deleted users */
    private readonly users: UserDirectory,
    /** PostgreSQL's week partitions (deletes drop whole weeks) */
    private readonly partitions?: LogPartitions,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The id of a username for a filter (deleted users included); an unknown name matches nobody (-1). */
  async userIdFor(username: string): Promise<number> {
    return (await this.users.idByUsername(username)) ?? -1;
  }

  /**
   * Whether a viewer's access still stands: the user exists and is enabled, and (for a session) its
   * session was not ended since (`version`: the session's session_version; null for an access token).
   */
  async accessStands(userId: number, version: number | null): Promise<boolean> {
    const u = await this.users.findAuthById(userId);
    return !!u && u.status === 1 && (version === null || u.session_version === version);
  }

  /** Whether a user still exists (the logs of a deleted user's key are not shown by key). */
  async userExists(id: number): Promise<boolean> {
    return (await this.users.findAuthById(id)) !== undefined;
  }

  private async views(rows: LogRow[], view: View) {
    if (view === 'user') return rows.map(userLogView);
    const names = await this.channels.names(rows.map((r) => r.channel_id));
    return rows.map((r) => adminLogView(r, names));
  }

  async list(filter: LogFilter, p: PageArgs, view: View) {
    // OFFSET reads and drops every row before the page: past the counted rows it is cursor-only
    if (!p.cursor && p.offset >= TOTAL_CAP)
      throw badRequest(
        `p is too deep: numbered pages reach the first ${TOTAL_CAP} rows; go further with cursor (next_cursor)`,
        'p',
      );
    // a `%` model filter becomes its names once, for the page and the count alike
    const f = await this.repo.resolve(filter);
    const [rows, count] = await Promise.all([
      this.repo.page(f, p.pageSize, p.offset, p.cursor, p.ascending),
      this.repo.cappedCount(f),
    ]);
    const last = rows[rows.length - 1];
    return {
      items: await this.views(rows, view),
      total: count.total,
      /** true when more rows match than `total` says (counting stops at 10,000) */
      total_capped: count.capped,
      page: p.page,
      page_size: p.pageSize,
      /** pass as `cursor` for the next page at any depth; null after the last row */
      next_cursor:
        !p.ascending && rows.length === p.pageSize && last ? `${last.created_at}_${last.id}` : null,
    };
  }

  /**
   * CONTRACT §3.2 stat. `quota` over [start, end]: whole UTC hours from the hourly rollup when the filters
   * are ones it keeps (user, model without wildcard, channel, group) and the rollup is on, the partial hours at
   * both ends from the logs; otherwise the logs alone. rpm/tpm: consume logs of the last 60 s.
   */
  async stat(filter: LogFilter): Promise<{ quota: number; rpm: number; tpm: number }> {
    const now = this.now();
    // resolved once for the (up to four) sums below
    const f = await this.repo.resolve(filter);
    const start = f.start ?? 0;
    const end = f.end ?? now;
    const [quota, recent] = await Promise.all([
      this.rangeQuota({ ...f, start, end }),
      this.repo.consumeSums({ ...f, start: now - 60, end: undefined }),
    ]);
    return { quota, rpm: recent.count, tpm: recent.tokens };
  }

  private async rangeQuota(f: LogFilter & { start: number; end: number }): Promise<number> {
    const fromHour = Math.ceil(f.start / HOUR) * HOUR;
    const toHour = Math.floor((f.end + 1) / HOUR) * HOUR; // exclusive
    const rollupFits =
      this.options.bool('DataExportEnabled') &&
      !f.tokenName &&
      !f.requestId &&
      f.tokenId === undefined &&
      !f.modelName?.includes('%') &&
      toHour > fromHour;
    if (!rollupFits) return (await this.repo.consumeSums(f)).quota;
    const [middle, head, tail] = await Promise.all([
      this.rollup.sumQuota({
        userId: f.userId,
        modelName: f.modelName || undefined,
        group: f.group || undefined,
        channelId: f.channelId,
        from: fromHour,
        to: toHour,
      }),
      fromHour > f.start ? this.repo.consumeSums({ ...f, end: fromHour - 1 }) : null,
      toHour <= f.end ? this.repo.consumeSums({ ...f, start: toHour }) : null,
    ]);
    return middle + (head?.quota ?? 0) + (tail?.quota ?? 0);
  }

  async search(keyword: string, userId: number | undefined, view: View) {
    return this.views(await this.repo.search(keyword, userId), view);
  }

  /**
   * Deletes every log before `before` in bounded batches; between two batches it pauses for a quarter of
   * the last batch's time (at most 50 ms), so log writes queued behind a batch — on a lock, or behind its
   * WAL flush — go first. With PostgreSQL's week partitions, the weeks wholly before `before` are dropped
   * first and only the week it falls in (and the default partition) is deleted from in batches. Returns the
   * count.
   */
  async deleteBefore(before: number, onBatch?: (deletedSoFar: number) => void): Promise<number> {
    let total = 0;
    let tables = ['logs'];
    if (this.partitions && (await this.partitions.active())) {
      total += await this.partitions.dropBefore(before);
      onBatch?.(total);
      tables = await this.partitions.partialBefore(before);
    }
    for (const table of tables)
      for (;;) {
        const t0 = performance.now();
        const n = await this.repo.deleteBatch(before, DELETE_BATCH, table);
        total += n;
        onBatch?.(total);
        if (n < DELETE_BATCH) break;
        await sleep(Math.min(50, (performance.now() - t0) / 4));
      }
    if (total > 0) await this.repo.reclaim();
    return total;
  }

  /**
   * The filtered rows as CSV, produced page by page (memory stays at one page). Each page is its own
   * turn of the event loop (SQLite reads are synchronous, and a stream pulls ahead while the socket takes
   * data): one export of a million rows never holds the loop for more than one page (~5 ms).
   */
  async *csv(f: LogFilter, view: View, bom: boolean): AsyncGenerator<string> {
    const columns = view === 'admin' ? [...CSV_COLUMNS, 'channel', 'channel_name'] : [...CSV_COLUMNS];
    yield (bom ? '\uFEFF' : '') + csvLine(columns);
    for await (const rows of this.repo.stream(f, EXPORT_PAGE)) {
      await nextTurn();
      const views = (await this.views(rows, view)) as Array<Record<string, unknown>>;
      let chunk = '';
      for (const r of views) {
        chunk += csvLine(
          columns.map((c) => {
            if (c === 'time_utc') return new Date(Number(r.created_at) * 1000).toISOString();
            const v = r[c];
            return csvField(v, typeof v === 'string');
          }),
        );
      }
      yield chunk;
    }
  }
}
