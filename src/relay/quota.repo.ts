import type { DbHandle } from '../db/connect.ts';
import type { MainDatabase } from '../db/schema.ts';

/** What a call has reserved, and from whom. */
export interface Reservation {
  userId: number;
  tokenId: number;
  /** the token has a remain_quota to respect (not unlimited) */
  limitedToken: boolean;
  amount: number;
}

export type ReserveResult = 'ok' | 'token' | 'user';

/**
 * The relay's quota writes. Every statement is one atomic conditional UPDATE on a primary key: no
 * read-then-write, so concurrent calls (on any number of instances) can never reserve the same quota
 * twice. The reservation also counts the call (`used_quota`, `request_count`) so that settling a call
 * whose estimate was exact (price-billed models) writes nothing for the user.
 */
export class QuotaRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  /** Reserves `amount` from the limited token, then from the user; undoes the token part if the user lacks it. */
  async reserve(r: Reservation, now: number): Promise<ReserveResult> {
    const n = r.amount;
    if (r.limitedToken && n > 0) {
      const res = await this.db
        .updateTable('tokens')
        .set((eb) => ({
          remain_quota: eb('remain_quota', '-', n),
          used_quota: eb('used_quota', '+', n),
          accessed_time: now,
        }))
        .where('id', '=', r.tokenId)
        .where('remain_quota', '>=', n)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return 'token';
    }
    const res = await this.db
      .updateTable('users')
      .set((eb) => ({
        quota: eb('quota', '-', n),
        used_quota: eb('used_quota', '+', n),
        request_count: eb('request_count', '+', 1),
      }))
      .where('id', '=', r.userId)
      .where('quota', '>=', n)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return 'ok';
    if (r.limitedToken && n > 0) await this.adjustToken(r.tokenId, -n, now);
    return 'user';
  }

  /** Gives a failed call's reservation back (and uncounts the call). */
  async refund(r: Reservation, now: number): Promise<void> {
    const n = r.amount;
    await this.db
      .updateTable('users')
      .set((eb) => ({
        quota: eb('quota', '+', n),
        used_quota: eb('used_quota', '-', n),
        request_count: eb('request_count', '-', 1),
      }))
      .where('id', '=', r.userId)
      .execute();
    if (r.limitedToken && n > 0) await this.adjustToken(r.tokenId, -n, now);
  }

  /**
   * Charges the difference between the final cost and the reservation (may be negative), and adds the
   * cost to the token's and the channel's totals. Returns true when a limited token is now exhausted.
   */
  async settle(r: Reservation, actual: number, channelId: number, now: number): Promise<boolean> {
    const delta = actual - r.amount;
    const writes: Promise<unknown>[] = [];
    if (delta !== 0) {
      writes.push(
        this.db
          .updateTable('users')
          .set((eb) => ({ quota: eb('quota', '-', delta), used_quota: eb('used_quota', '+', delta) }))
          .where('id', '=', r.userId)
          .execute(),
      );
    }
    if (r.limitedToken) {
      if (delta !== 0 || r.amount === 0) writes.push(this.adjustToken(r.tokenId, delta, now));
    } else {
      writes.push(
        this.db
          .updateTable('tokens')
          .set((eb) => ({ used_quota: eb('used_quota', '+', actual), accessed_time: now }))
          .where('id', '=', r.tokenId)
          .execute(),
      );
    }
    if (actual !== 0) {
      writes.push(
        this.db
          .updateTable('channels')
          .set((eb) => ({ used_quota: eb('used_quota', '+', actual) }))
          .where('id', '=', channelId)
          .execute(),
      );
    }
    await Promise.all(writes);
    return r.limitedToken ? this.markExhausted(r.tokenId) : false;
  }

  /** remain_quota -= delta, used_quota += delta (delta may be negative: a refund). */
  private adjustToken(tokenId: number, delta: number, now: number) {
    return this.db
      .updateTable('tokens')
      .set((eb) => ({
        remain_quota: eb('remain_quota', '-', delta),
        used_quota: eb('used_quota', '+', delta),
        accessed_time: now,
      }))
      .where('id', '=', tokenId)
      .execute();
  }

  /** Status 4 once a limited token's remain_quota reaches 0 (SPEC §8); true when this call flipped it. */
  async markExhausted(tokenId: number): Promise<boolean> {
    const res = await this.db
      .updateTable('tokens')
      .set({ status: 4 })
      .where('id', '=', tokenId)
      .where('status', '=', 1)
      .where('unlimited_quota', '=', 0)
      .where('remain_quota', '<=', 0)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Status 3 on the first use after expired_time. */
  async markExpired(tokenId: number): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set({ status: 3 })
      .where('id', '=', tokenId)
      .where('status', '=', 1)
      .execute();
  }

  /** Models a group is served, for GET /v1/models (index abilities_route_idx: group prefix). */
  async groupModels(group: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('abilities')
      .select('model')
      .distinct()
      .where('group', '=', group)
      .where('enabled', '=', 1)
      .orderBy('model')
      .execute();
    return rows.map((r) => r.model);
  }
}
