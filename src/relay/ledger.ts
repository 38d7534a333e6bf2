import type { Reservation } from './quota.repo.ts';

/** Settlement deltas summed per row, written in one transaction per flush (see QuotaRepo.applyLedger). */
export interface LedgerBatch {
  /** user id → quota to take (may be negative), used_quota to add, request_count to add (refunds: −1) */
  users: Map<number, { quota: number; used: number; count?: number }>;
  /** token id → remain_quota to take (limited tokens), used_quota to add, last access */
  tokens: Map<number, { key: string; limited: boolean; remain: number; used: number; accessed: number }>;
  /** channel id → used_quota to add */
  channels: Map<number, number>;
}

/** A batch as plain JSON (the quota spool: settlements the database could not take at shutdown). */
export function batchToJson(b: LedgerBatch): unknown {
  return { users: [...b.users], tokens: [...b.tokens], channels: [...b.channels] };
}

export function batchFromJson(o: any): LedgerBatch {
  return { users: new Map(o.users), tokens: new Map(o.tokens), channels: new Map(o.channels) };
}

export function emptyBatch(): LedgerBatch {
  return { users: new Map(), tokens: new Map(), channels: new Map() };
}

/**
 * Accumulates settlements in memory so that the hot path pays one conditional UPDATE (the reservation)
 * per call instead of four statements: the differences between reservations and real costs are summed
 * per user, token and channel and written every 50 ms (or on `idle()`/shutdown) in one transaction.
 * The reservation already made a call's quota unavailable, so delaying the difference cannot overspend
 * beyond what the reservation underestimated.
 */
export class Ledger {
  private batch = emptyBatch();
  private size = 0;

  get pending(): number {
    return this.size;
  }

  /** A settled call costing `actual`; `refund`: a failed call, whose reservation comes back whole. */
  add(
    r: Reservation,
    tokenKey: string,
    actual: number,
    channelId: number,
    now: number,
    refund = false,
  ): void {
    const delta = actual - r.amount;
    const b = this.batch;
    this.size += 1;
    if (delta !== 0 || refund) {
      const u = b.users.get(r.userId) ?? { quota: 0, used: 0 };
      u.quota += delta;
      u.used += delta;
      if (refund) u.count = (u.count ?? 0) - 1; // the reservation counted the call
      b.users.set(r.userId, u);
    }
    const t = b.tokens.get(r.tokenId) ?? {
      key: tokenKey,
      limited: r.limitedToken,
      remain: 0,
      used: 0,
      accessed: 0,
    };
    if (r.limitedToken) {
      t.remain += delta;
      t.used += delta;
    } else t.used += actual;
    t.accessed = Math.max(t.accessed, now);
    b.tokens.set(r.tokenId, t);
    if (actual !== 0) b.channels.set(channelId, (b.channels.get(channelId) ?? 0) + actual);
  }

  take(): LedgerBatch | null {
    if (this.size === 0) return null;
    const out = this.batch;
    this.batch = emptyBatch();
    this.size = 0;
    return out;
  }
}
