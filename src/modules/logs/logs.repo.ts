import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { LogDatabase, LogRow } from '../../db/schema.ts';
import { LogType } from './log-types.ts';

/** One typed filter for every log query; `userId` is forced for user views. */
export interface LogFilter {
  userId?: number;
  type?: number;
  start?: number;
  end?: number;
  tokenName?: string;
  /** exact, or with `%` wildcards (every other LIKE character is literal) */
  modelName?: string;
  /** a `%` model name resolved to the names it matches (LogsRepo.resolve): an indexed IN (…) */
  modelNames?: string[];
  group?: string;
  requestId?: string;
  channelId?: number;
  tokenId?: number;
}

/** Keyset position: rows strictly older than (created_at, id). */
export interface Cursor {
  createdAt: number;
  id: number;
}

/**
 * `total` is exact up to this many rows and reported as this number beyond it (`total_capped: true`):
 * counting stops at the cap, so a page never costs a count of millions of rows. 10,000 rows are 500
 * pages of 20; deeper rows are reached with `cursor`.
 */
export const TOTAL_CAP = 10_000;
/** Search reads at most the newest this many rows (by id), so a rare keyword never scans the table. */
export const SEARCH_WINDOW = 50_000;
export const SEARCH_LIMIT = 100;
export const TOKEN_LOG_LIMIT = 1000;
/** A `%` model filter matching more names than this keeps the plain LIKE (an IN list stays small). */
export const MAX_EXPANDED = 500;

type Q = SelectQueryBuilder<LogDatabase, 'logs', object>;

/**
 * Log reads. Indexes (logs-001, logs-002), each shaped (filter, created_at, id) so a filtered list walks
 * one index range in `created_at DESC, id DESC` order and stops after a page: logs_created_idx (no
 * filter), logs_user_filters_idx (user views: user_id, created_at, then the columns user views filter
 * on, so a heavy user's filtered page and count never leave the index; also the /token lookup),
 * logs_type_idx, logs_model_idx, logs_token_name_idx, logs_channel_idx, logs_request_idx. An admin `group`
 * filter walks the created_at range.
 */
export class LogsRepo {
  constructor(private readonly h: DbHandle<LogDatabase>) {}

  private get db() {
    return this.h.db;
  }

  private filtered(f: LogFilter): Q {
    let q = this.db.selectFrom('logs') as Q;
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.start !== undefined) q = q.where('created_at', '>=', f.start);
    if (f.end !== undefined) q = q.where('created_at', '<=', f.end);
    if (f.tokenName) q = q.where('token_name', '=', f.tokenName);
    if (f.modelNames) {
      q = f.modelNames.length > 0 ? q.where('model_name', 'in', f.modelNames) : q.where(sql<boolean>`1 = 0`);
    } else if (f.modelName) {
      if (f.modelName.includes('%')) {
        const pattern = f.modelName.split('%').map(escapeLike).join('%');
        q = q.where(sql<boolean>`${sql.ref('model_name')} LIKE ${pattern} ESCAPE '!'`);
      } else q = q.where('model_name', '=', f.modelName);
    }
    if (f.group) q = q.where('group', '=', f.group);
    if (f.requestId) q = q.where('request_id', '=', f.requestId);
    if (f.channelId !== undefined) q = q.where('channel_id', '=', f.channelId);
    if (f.tokenId !== undefined) q = q.where('token_id', '=', f.tokenId);
    return q;
  }

  /**
   * A `%` model filter as the names it matches (issue 20): `log_models` holds every name that has a log
   * (a few hundred), so the pattern is matched there, with the engine's own LIKE (same results as on the
   * rows), and the rows are read through logs_model_idx with `IN (…)`. A pattern of only `%` matches every
   * row (no filter); one matching more than MAX_EXPANDED names keeps the plain LIKE.
   */
  async resolve(f: LogFilter): Promise<LogFilter> {
    const m = f.modelName;
    if (!m?.includes('%') || f.modelNames) return f;
    if (/^%+$/.test(m)) return { ...f, modelName: undefined };
    const pattern = m.split('%').map(escapeLike).join('%');
    const names = await this.db
      .selectFrom('log_models')
      .select('model_name')
      .where(sql<boolean>`${sql.ref('model_name')} LIKE ${pattern} ESCAPE '!'`)
      .limit(MAX_EXPANDED + 1)
      .execute();
    if (names.length > MAX_EXPANDED) return f;
    return { ...f, modelNames: names.map((n) => n.model_name) };
  }

  /** One page, newest first; OFFSET for `p`, or keyset after `cursor` (constant cost at any depth). */
  async page(
    f: LogFilter,
    limit: number,
    offset: number,
    cursor?: Cursor,
    ascending = false,
  ): Promise<LogRow[]> {
    let q = this.filtered(await this.resolve(f));
    if (cursor && !ascending) q = afterCursor(q, cursor);
    else if (offset > 0) q = q.offset(offset);
    const dir = ascending ? 'asc' : 'desc';
    return q.selectAll().orderBy('created_at', dir).orderBy('id', dir).limit(limit).execute();
  }

  /** Exact up to TOTAL_CAP (reads at most that many index entries), else TOTAL_CAP. */
  async cappedCount(f: LogFilter): Promise<{ total: number; capped: boolean }> {
    const inner = this.filtered(await this.resolve(f))
      .select(sql<number>`1`.as('one'))
      .limit(TOTAL_CAP + 1);
    const row = await this.db
      .selectFrom(inner.as('t'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const n = Number(row.n);
    return n > TOTAL_CAP ? { total: TOTAL_CAP, capped: true } : { total: n, capped: false };
  }

  /** Sum of quota, request count and tokens of consume logs matching `f` (range included). */
  async consumeSums(f: LogFilter): Promise<{ quota: number; count: number; tokens: number }> {
    const row = await this.filtered(await this.resolve({ ...f, type: LogType.Consume }))
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('quota'), sql<number>`0`).as('quota'),
        eb.fn.countAll<number>().as('count'),
        eb.fn
          .coalesce(
            eb.fn.sum<number>(sql`${sql.ref('prompt_tokens')} + ${sql.ref('completion_tokens')}`),
            sql<number>`0`,
          )
          .as('tokens'),
      ])
      .executeTakeFirstOrThrow();
    return { quota: Number(row.quota), count: Number(row.count), tokens: Number(row.tokens) };
  }

  /** Type equals the keyword (1–5) or content/model/token/username contains it; newest rows only. */
  async search(keyword: string, userId?: number): Promise<LogRow[]> {
    const top = await this.db
      .selectFrom('logs')
      .select((eb) => eb.fn.max<number>('id').as('m'))
      .executeTakeFirst();
    const floor = Number(top?.m ?? 0) - SEARCH_WINDOW;
    // the window's time too, so the planner walks logs_created_idx over just the window
    const edge = await this.db
      .selectFrom('logs')
      .select('created_at')
      .where('id', '<=', floor)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const pattern = `%${escapeLike(keyword)}%`;
    const { ilike } = this.h.dialect;
    const type = /^[1-5]$/.test(keyword) ? Number(keyword) : null;
    return this.filtered({ userId, start: edge ? Number(edge.created_at) : undefined })
      .where('id', '>', floor)
      .where((eb: ExpressionBuilder<LogDatabase, 'logs'>) =>
        eb.or([
          ...(type !== null ? [eb('type', '=', type)] : []),
          ilike('content', pattern),
          ilike('model_name', pattern),
          ilike('token_name', pattern),
          ilike('username', pattern),
        ]),
      )
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(SEARCH_LIMIT)
      .execute();
  }

  /** Every row matching `f`, newest first, read in keyset pages: for CSV export (bounded memory). */
  async *stream(filter: LogFilter, pageSize = 1000): AsyncGenerator<LogRow[]> {
    const f = await this.resolve(filter);
    let cursor: Cursor | undefined;
    for (;;) {
      const rows = await this.page(f, pageSize, 0, cursor);
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      cursor = { createdAt: last.created_at, id: last.id };
    }
  }

  /** One bounded batch of the oldest rows before `before`; how many went. */
  /** `table`: a partition of `logs` on PostgreSQL (the day a cutoff falls in, or the default). */
  deleteBatch(before: number, limit: number, table = 'logs'): Promise<number> {
    return this.h.dialect.deleteOlderBatch(this.db, table as 'logs', 'created_at', before, limit);
  }

  reclaim(): Promise<void> {
    return this.h.dialect.reclaim(this.db);
  }
}

/** `created_at <= c AND (created_at < c OR id < i)`: the first term bounds the index range on every engine. */
function afterCursor(q: Q, c: Cursor): Q {
  return q
    .where('created_at', '<=', c.createdAt)
    .where((eb) => eb.or([eb('created_at', '<', c.createdAt), eb('id', '<', c.id)]));
}
