import type { CompiledQuery } from 'kysely';
import type { DbHandle } from '../db/connect.ts';
import type { MainDatabase } from '../db/schema.ts';
import type { LedgerBatch } from './ledger.ts';

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
 * A statement compiled once with sentinel parameters; each call swaps in the real values. The hot path
 * then skips Kysely's query building and compiling (about a tenth of a relay call's CPU on SQLite).
 */
function template<P extends Record<string, number>>(compile: (p: P) => CompiledQuery, sentinel: P) {
  const q = compile(sentinel);
  const keys = Object.keys(sentinel) as Array<keyof P>;
  const slots = q.parameters.map((v) => keys.find((k) => sentinel[k] === v));
  return (p: P): CompiledQuery => ({
    ...q,
    parameters: slots.map((k, i) => (k === undefined ? q.parameters[i] : p[k])),
  });
}

const affected = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);

/**
 * The relay's quota writes. Every statement is one atomic conditional UPDATE on a primary key: no
 * read-then-write, so concurrent calls (on any number of instances) can never reserve the same quota
 * twice. The reservation also counts the call (`used_quota`, `request_count`) so that settling a call
 * whose estimate was exact (price-billed models) writes nothing for the user.
 */
export class QuotaRepo {
  private readonly reserveUser;
  private readonly reserveToken;

  constructor(private readonly h: DbHandle<MainDatabase>) {
    this.reserveUser = template(
      (p) =>
        this.db
          .updateTable('users')
          .set((eb) => ({
            quota: eb('quota', '-', p.n),
            used_quota: eb('used_quota', '+', p.n2),
            request_count: eb('request_count', '+', 1),
          }))
          .where('id', '=', p.id)
          .where('quota', '>=', p.n3)
          .compile(),
      { n: -7_000_001, n2: -7_000_002, id: -7_000_003, n3: -7_000_004 },
    );
    this.reserveToken = template(
      (p) =>
        this.db
          .updateTable('tokens')
          .set((eb) => ({
            remain_quota: eb('remain_quota', '-', p.n),
            used_quota: eb('used_quota', '+', p.n2),
            accessed_time: p.now,
          }))
          .where('id', '=', p.id)
          .where('remain_quota', '>=', p.n3)
          .compile(),
      { n: -7_000_001, n2: -7_000_002, now: -7_000_005, id: -7_000_003, n3: -7_000_004 },
    );
  }

  private get db() {
    return this.h.db;
  }

  /** Reserves `amount` from the limited token, then from the user; undoes the token part if the user lacks it. */
  async reserve(r: Reservation, now: number): Promise<ReserveResult> {
    const n = r.amount;
    if (r.limitedToken && n > 0) {
      const res = await this.db.executeQuery(this.reserveToken({ n, n2: n, now, id: r.tokenId, n3: n }));
      if (affected(res) !== 1) return 'token';
    }
    const res = await this.db.executeQuery(this.reserveUser({ n, n2: n, id: r.userId, n3: n }));
    if (affected(res) === 1) return 'ok';
    if (r.limitedToken && n > 0) await this.adjustToken(r.tokenId, -n, now);
    return 'user';
  }

  /**
   * Reserves `n` more for a call under way (a stream past its reservation): the same conditional updates
   * as `reserve`, without counting another request. On success `r.amount` grows by `n`.
   */
  async extend(r: Reservation, n: number, now: number): Promise<boolean> {
    if (n <= 0) return true;
    if (r.limitedToken) {
      const res = await this.db
        .updateTable('tokens')
        .set((eb) => ({ remain_quota: eb('remain_quota', '-', n), used_quota: eb('used_quota', '+', n) }))
        .where('id', '=', r.tokenId)
        .where('remain_quota', '>=', n)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
    }
    const res = await this.db
      .updateTable('users')
      .set((eb) => ({ quota: eb('quota', '-', n), used_quota: eb('used_quota', '+', n) }))
      .where('id', '=', r.userId)
      .where('quota', '>=', n)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) {
      r.amount += n;
      return true;
    }
    if (r.limitedToken) await this.adjustToken(r.tokenId, -n, now);
    return false;
  }

  /** What the user (and the limited token) still has: the most a call under way could be extended by. */
  async available(r: Reservation): Promise<number> {
    const user = await this.db
      .selectFrom('users')
      .select('quota')
      .where('id', '=', r.userId)
      .executeTakeFirst();
    let left = Number(user?.quota ?? 0);
    if (r.limitedToken) {
      const t = await this.db
        .selectFrom('tokens')
        .select('remain_quota')
        .where('id', '=', r.tokenId)
        .executeTakeFirst();
      left = Math.min(left, Number(t?.remain_quota ?? 0));
    }
    return Math.max(0, left);
  }

  /**
   * Writes summed settlements (see ledger.ts) in one transaction: per user the difference between
   * reservations and costs, per token its totals and last access, per channel its used quota. Returns the
   * limited tokens this batch exhausted (status 4 now).
   */
  async applyLedger(b: LedgerBatch, id: string, now: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      // exactly once: a retry of a batch whose COMMIT did land finds its id and changes nothing
      const seen = await trx
        .selectFrom('ledger_batches')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (seen) return [];
      await trx.insertInto('ledger_batches').values({ id, created_at: now }).execute();
      for (const [id, u] of b.users) {
        await trx
          .updateTable('users')
          .set((eb) => ({
            quota: eb('quota', '-', u.quota),
            used_quota: eb('used_quota', '+', u.used),
            ...(u.count ? { request_count: eb('request_count', '+', u.count) } : {}),
          }))
          .where('id', '=', id)
          .execute();
      }
      const exhausted: string[] = [];
      for (const [id, t] of b.tokens) {
        await trx
          .updateTable('tokens')
          .set((eb) => ({
            remain_quota: eb('remain_quota', '-', t.remain),
            used_quota: eb('used_quota', '+', t.used),
            accessed_time: t.accessed,
          }))
          .where('id', '=', id)
          .execute();
        if (!t.limited) continue;
        const res = await trx
          .updateTable('tokens')
          .set({ status: 4 })
          .where('id', '=', id)
          .where('status', '=', 1)
          .where('remain_quota', '<=', 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) exhausted.push(t.key);
      }
      for (const [id, used] of b.channels) {
        await trx
          .updateTable('channels')
          .set((eb) => ({ used_quota: eb('used_quota', '+', used) }))
          .where('id', '=', id)
          .execute();
      }
      return exhausted;
    });
  }

  /** Forgets applied batch ids older than `before` (a retry comes within minutes, not days). */
  async pruneLedgerBatches(before: number): Promise<void> {
    await this.db.deleteFrom('ledger_batches').where('created_at', '<', before).execute();
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
