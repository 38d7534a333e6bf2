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

/**
 * Reads of the hourly rollups: `quota_data` (per user, token, channel, group), `quota_data_user` (per user)
 * and `quota_data_model` (site-wide, per group).
 */
export class UsageDataRepo {
  constructor(private readonly h: DbHandle<LogDatabase>) {}

  /**
   * Buckets starting in [from, toExclusive) that match the filter, from the narrowest rollup that keeps
   * what it filters on: `quota_data_model` (quota_data_model_uq: created_at first) with no user, token or
   * channel, at most hours × models × groups rows; `quota_data_user` (quota_data_user_uq) for a user alone,
   * at most hours × models rows; else `quota_data` (quota_data_bucket_uq (user_id, created_at, …) with a
   * user, a created_at range of quota_data_created_idx without).
   */
  private rollup(f: RollupFilter & { from: number }, toExclusive: number) {
    const db = this.h.db;
    // typed as the per-user query: what is read (model_name, created_at and the sums) is in all three
    let q: ReturnType<typeof this.userRollup>;
    if (f.userId === undefined && f.tokenId === undefined && f.channelId === undefined) {
      let m = db
        .selectFrom('quota_data_model')
        .where('created_at', '>=', f.from)
        .where('created_at', '<', toExclusive);
      if (f.group !== undefined) m = m.where('group', '=', f.group);
      q = m as unknown as ReturnType<typeof this.userRollup>;
    } else if (f.tokenId === undefined && f.channelId === undefined && f.group === undefined)
      q = this.userRollup(f.userId!, f.from, toExclusive);
    else {
      let b = db
        .selectFrom('quota_data')
        .where('created_at', '>=', f.from)
        .where('created_at', '<', toExclusive);
      if (f.userId !== undefined) b = b.where('user_id', '=', f.userId);
      if (f.group !== undefined) b = b.where('group', '=', f.group);
      if (f.tokenId !== undefined) b = b.where('token_id', '=', f.tokenId);
      if (f.channelId !== undefined) b = b.where('channel_id', '=', f.channelId);
      q = b as unknown as ReturnType<typeof this.userRollup>;
    }
    return f.modelName === undefined ? q : q.where('model_name', '=', f.modelName);
  }

  private userRollup(userId: number, from: number, toExclusive: number) {
    return this.h.db
      .selectFrom('quota_data_user')
      .where('user_id', '=', userId)
      .where('created_at', '>=', from)
      .where('created_at', '<', toExclusive);
  }

  /** Sums per (model, hour), in time then model order (bucket starts from … to, both inclusive). */
  async perModelHour(f: UsageFilter): Promise<UsageRow[]> {
    const rows = await this.rollup(f, f.to + 1)
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

  /** Sum of quota over buckets in [from, to). */
  async sumQuota(f: RollupFilter): Promise<number> {
    const row = await this.rollup(f, f.to)
      .select((eb) => eb.fn.sum<number>('quota').as('q'))
      .executeTakeFirst();
    return Number(row?.q ?? 0);
  }
}
