import type { DbHandle } from '../../db/connect.ts';
import type { LogDatabase } from '../../db/schema.ts';

export interface RollupFilter {
  userId?: number;
  modelName?: string;
  channelId?: number;
  tokenId?: number;
  /** bucket starts: from (inclusive) … to (exclusive) */
  from: number;
  to: number;
}

/** Reads of the hourly rollup `quota_data`. */
export class UsageDataRepo {
  constructor(private readonly h: DbHandle<LogDatabase>) {}

  /**
   * Sum of quota over buckets in [from, to). Index quota_data_bucket_uq (user_id, created_at, …) with a
   * user, quota_data_created_idx (created_at, model_name) without.
   */
  async sumQuota(f: RollupFilter): Promise<number> {
    let q = this.h.db
      .selectFrom('quota_data')
      .where('created_at', '>=', f.from)
      .where('created_at', '<', f.to);
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
    if (f.modelName !== undefined) q = q.where('model_name', '=', f.modelName);
    if (f.channelId !== undefined) q = q.where('channel_id', '=', f.channelId);
    if (f.tokenId !== undefined) q = q.where('token_id', '=', f.tokenId);
    const row = await q.select((eb) => eb.fn.sum<number>('quota').as('q')).executeTakeFirst();
    return Number(row?.q ?? 0);
  }
}
