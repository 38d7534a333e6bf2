/**
 * One settled call as the ledger writes it: what was reserved against what the call cost. `requestId`
 * names the call's journal row (pending_calls): the write applies only while that row exists and deletes
 * it in the same transaction, so a call is settled once however often its batch is retried or replayed.
 */
export interface CallSettlement {
  requestId: string;
  userId: number;
  tokenId: number;
  /** for the cache invalidation when the call exhausts the token ('' when unknown: recovery) */
  tokenKey: string;
  /** the token has a remain_quota the reservation came from */
  limited: boolean;
  reserved: number;
  actual: number;
  channelId: number;
  /** unix seconds: the token's last access */
  at: number;
  /** a failed call: the reservation comes back whole and the call is uncounted */
  refund: boolean;
}

/** Settlements summed per row (see QuotaRepo.applyLedger). */
export interface LedgerSums {
  /** user id → quota to take (may be negative), used_quota to add, request_count to add (refunds: −1) */
  users: Map<number, { quota: number; used: number; count?: number }>;
  /** token id → remain_quota to take (limited tokens), used_quota to add, last access */
  tokens: Map<number, { key: string; limited: boolean; remain: number; used: number; accessed: number }>;
  /** channel id → used_quota to add */
  channels: Map<number, number>;
}

/** Sums calls per user, token and channel: one UPDATE per row touched instead of one per call. */
export function sumCalls(calls: readonly CallSettlement[]): LedgerSums {
  const s: LedgerSums = { users: new Map(), tokens: new Map(), channels: new Map() };
  for (const c of calls) {
    const delta = c.actual - c.reserved;
    if (delta !== 0 || c.refund) {
      const u = s.users.get(c.userId) ?? { quota: 0, used: 0 };
      u.quota += delta;
      u.used += delta;
      if (c.refund) u.count = (u.count ?? 0) - 1; // the reservation counted the call
      s.users.set(c.userId, u);
    }
    const t = s.tokens.get(c.tokenId) ?? {
      key: c.tokenKey,
      limited: c.limited,
      remain: 0,
      used: 0,
      accessed: 0,
    };
    if (c.limited) {
      t.remain += delta;
      t.used += delta;
    } else t.used += c.actual; // the reservation did not touch an unlimited token
    t.accessed = Math.max(t.accessed, c.at);
    if (!t.key) t.key = c.tokenKey;
    s.tokens.set(c.tokenId, t);
    if (c.actual !== 0) s.channels.set(c.channelId, (s.channels.get(c.channelId) ?? 0) + c.actual);
  }
  return s;
}

/**
 * Collects settlements in memory so that the hot path pays for the reservation only: calls are written
 * every 50 ms (or on `idle()`/shutdown) in one transaction. The reservation already made a call's quota
 * unavailable, so delaying the difference cannot overspend beyond what the reservation underestimated.
 */
export class Ledger {
  private calls: CallSettlement[] = [];

  get pending(): number {
    return this.calls.length;
  }

  add(c: CallSettlement): void {
    this.calls.push(c);
  }

  take(): CallSettlement[] | null {
    if (this.calls.length === 0) return null;
    const out = this.calls;
    this.calls = [];
    return out;
  }
}
