import type { DbHandle } from '../../db/connect.ts';
import type { LogDatabase } from '../../db/schema.ts';

export interface RollupFilter {
  userId?: number;
  modelName?: string;
  group?: string;
  channelId?: number;
  tokenId?: number;
  /** bucket starts: from (inclusive) … to (exclusive) */
  from: number;
  to: number;
}

export interface UsageFilter {
  userId?: number;
  tokenId?: number;
  channelId?: number;
  /** bucket starts, both inclusive */
  from: number;
  to: number;
}

export interface UsageRow {
  model_name: string;
  /** UTC hour start (or local day start once grouped by day) */
  created_at: number;
  count: number;
  quota: number;
  token_used: number;
}

const toRow = (r: {
  model_name: string;
  created_at: unknown;
  count: unknown;
  quota: unknown;
  token_used: unknown;
}): UsageRow => ({
  model_name: r.model_name,
  created_at: Number(r.created_at),
  count: Number(r.count),
  quota: Number(r.quota),
  token_used: Number(r.token_used),
});

/** Reads of the hourly rollups `quota_data` (per user, token, channel) and `quota_data_model` (site-wide). */
export class UsageDataRepo {
  constructor(private readonly h: DbHandle<LogDatabase>) {}

  /** quota_data rows with bucket start in [from, toExclusive) matching the filter. */
  private buckets(f: UsageFilter & { modelName?: string; group?: string }, toExclusive: number) {
    let q = this.h.db
      .selectFrom('quota_data')
      .where('created_at', '>=', f.from)
      .where('created_at', '<', toExclusive);
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
    if (f.modelName !== undefined) q = q.where('model_name', '=', f.modelName);
    if (f.group !== undefined) q = q.where('group', '=', f.group);
    if (f.tokenId !== undefined) q = q.where('token_id', '=', f.tokenId);
    if (f.channelId !== undefined) q = q.where('channel_id', '=', f.channelId);
    return q;
  }

  /**
   * Sums per (model, hour). Site-wide without filters: quota_data_model_uq (created_at, model_name), at
   * most hours × models rows. A user alone: quota_data_user_uq, the same bound for one user. With a token
   * or channel: quota_data_bucket_uq (user_id, created_at, …) or a created_at range of
   * quota_data_created_idx, filtered.
   */
  async perModelHour(f: UsageFilter): Promise<UsageRow[]> {
    if (f.userId === undefined && f.tokenId === undefined && f.channelId === undefined) {
      const rows = await this.h.db
        .selectFrom('quota_data_model')
        .where('created_at', '>=', f.from)
        .where('created_at', '<=', f.to)
        .select((eb) => [
          'model_name',
          'created_at',
          eb.fn.sum<number>('count').as('count'),
          eb.fn.sum<number>('quota').as('quota'),
          eb.fn.sum<number>('token_used').as('token_used'),
        ])
        .groupBy(['created_at', 'model_name'])
        .orderBy('created_at')
        .orderBy('model_name')
        .execute();
      return rows.map(toRow);
    }
    if (f.tokenId === undefined && f.channelId === undefined) {
      // one user's chart: quota_data_user_uq (user_id, created_at, model_name), hours × models rows at most
      const rows = await this.h.db
        .selectFrom('quota_data_user')
        .where('user_id', '=', f.userId!)
        .where('created_at', '>=', f.from)
        .where('created_at', '<=', f.to)
        .select((eb) => [
          'model_name',
          'created_at',
          eb.fn.sum<number>('count').as('count'),
          eb.fn.sum<number>('quota').as('quota'),
          eb.fn.sum<number>('token_used').as('token_used'),
        ])
        .groupBy(['created_at', 'model_name'])
        .orderBy('created_at')
        .orderBy('model_name')
        .execute();
      return rows.map(toRow);
    }
    const rows = await this.buckets(f, f.to + 1)
      .select((eb) => [
        'model_name',
        'created_at',
        eb.fn.sum<number>('count').as('count'),
        eb.fn.sum<number>('quota').as('quota'),
        eb.fn.sum<number>('token_used').as('token_used'),
      ])
      .groupBy(['created_at', 'model_name'])
      .orderBy('created_at')
      .orderBy('model_name')
      .execute();
    return rows.map(toRow);
  }

  /**
   * Sum of quota over buckets in [from, to): from quota_data_model without user/channel/token filters,
   * from quota_data_user for a user (and model) alone, else quota_data (quota_data_bucket_uq (user_id, created_at, …) with a user; a created_at range of
   * quota_data_created_idx with a channel alone).
   */
  async sumQuota(f: RollupFilter): Promise<number> {
    if (f.userId === undefined && f.channelId === undefined && f.tokenId === undefined) {
      // site-wide: at most hours × models rows (quota_data_model_uq: created_at first)
      let m = this.h.db
        .selectFrom('quota_data_model')
        .where('created_at', '>=', f.from)
        .where('created_at', '<', f.to);
      if (f.modelName !== undefined) m = m.where('model_name', '=', f.modelName);
      if (f.group !== undefined) m = m.where('group', '=', f.group);
      const row = await m.select((eb) => eb.fn.sum<number>('quota').as('q')).executeTakeFirst();
      return Number(row?.q ?? 0);
    }
    if (f.channelId === undefined && f.tokenId === undefined && f.group === undefined) {
      // one user (and perhaps a model): quota_data_user_uq
      let u = this.h.db
        .selectFrom('quota_data_user')
        .where('user_id', '=', f.userId!)
        .where('created_at', '>=', f.from)
        .where('created_at', '<', f.to);
      if (f.modelName !== undefined) u = u.where('model_name', '=', f.modelName);
      const row = await u.select((eb) => eb.fn.sum<number>('quota').as('q')).executeTakeFirst();
      return Number(row?.q ?? 0);
    }
    const row = await this.buckets(f, f.to)
      .select((eb) => eb.fn.sum<number>('quota').as('q'))
      .executeTakeFirst();
    return Number(row?.q ?? 0);
  }
}
