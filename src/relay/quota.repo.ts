import { CompiledQuery, type Transaction } from 'kysely';
import type { DbHandle } from '../db/connect.ts';
import { sqliteConnectionOf } from '../db/dialects/sqlite.ts';
import { chunks, withDeadlockRetry } from '../db/retry.ts';
import type { MainDatabase, PendingCallsTable } from '../db/schema.ts';
import { TOKEN_STATUS } from '../shared/enums.ts';
import { JOURNAL_COLUMNS, RESERVE_PG } from './journal-sql.ts';
import { type CallSettlement, sumCalls } from './ledger.ts';
import { Refused, type Reservation, type ReserveResult } from './reservation.ts';
import { SqliteReservations } from './sqlite-reservations.ts';

export type { Reservation, ReserveResult };

/** The journal row of a call (pending_calls), less the reservation's own columns. */
export type JournalRow = Omit<PendingCallsTable, 'user_id' | 'token_id' | 'limited' | 'amount'>;

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
  /** SQLite: reservations committed in groups (sqlite-reservations.ts) */
  private sqliteGroups?: SqliteReservations;

  /** SQLite: the groups committed so far and the calls they held (tests: the grouping is the point) */
  get reservationGroups(): { commits: number; calls: number } {
    return { ...(this.sqliteGroups?.groups ?? { commits: 0, calls: 0 }) };
  }
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

  /**
   * A transaction; on MySQL/MariaDB at READ COMMITTED (PostgreSQL's default): under REPEATABLE READ a
   * settlement's DELETE took next-key locks across pending_calls' owner index and deadlocked with the
   * INSERTs of concurrent reservations. The quota statements need no more than row locks.
   */
  private tx<T>(work: (trx: Transaction<MainDatabase>) => Promise<T>): Promise<T> {
    return withDeadlockRetry(() => {
      const t = this.db.transaction();
      return (this.h.dialect.kind === 'mysql' ? t.setIsolationLevel('read committed') : t).execute(work);
    });
  }

  /**
   * Reserves `amount` from the limited token, then from the user, and journals the call (its
   * pending_calls row), all in one transaction: after a crash the row says what is reserved, and without
   * the row nothing was (CONTRACT §12).
   */
  async reserve(r: Reservation, now: number, journal: JournalRow): Promise<ReserveResult> {
    const row = {
      ...journal,
      user_id: r.userId,
      token_id: r.tokenId,
      limited: r.limitedToken ? 1 : 0,
      amount: r.amount,
    };
    if (this.h.dialect.kind === 'postgres') return this.reserveInOneStatement(r, now, row);
    const sqlite = sqliteConnectionOf(this.db);
    if (sqlite) {
      this.sqliteGroups ??= new SqliteReservations(sqlite, this.db);
      return this.sqliteGroups.reserve(r, now, row);
    }
    const n = r.amount;
    try {
      // Rows are locked tokens → users, as every quota write does (no deadlock between them); the journal
      // row goes first and the user's row, which every call of that user needs, last: it is held for its
      // UPDATE and the COMMIT only.
      await this.tx(async (trx) => {
        await this.h.dialect.insertRows(trx, 'pending_calls', JOURNAL_COLUMNS, [row]);
        if (r.limitedToken && n > 0) {
          const res = await trx.executeQuery(this.reserveToken({ n, n2: n, now, id: r.tokenId, n3: n }));
          if (affected(res) !== 1) throw new Refused('token');
        }
        const res = await trx.executeQuery(this.reserveUser({ n, n2: n, id: r.userId, n3: n }));
        if (affected(res) !== 1) throw new Refused('user');
      });
      return 'ok';
    } catch (err) {
      if (err instanceof Refused) return err.why;
      throw err;
    }
  }

  /**
   * PostgreSQL: the whole reservation as one statement (data-modifying CTEs, atomic like any statement),
   * so the user's row is locked for the statement's own run instead of for a transaction's round trips:
   * on one user's calls at 10 connections a BEGIN … COMMIT reservation ran at less than half the rate,
   * and this statement runs as fast as the bare UPDATE it replaced. The token's row is updated first, then
   * the user's (the order of every quota write); when the token had enough and the user not, the final
   * SELECT divides by zero, which rolls the whole statement back: nothing half-reserved is left.
   */
  private async reserveInOneStatement(
    r: Reservation,
    now: number,
    row: Record<(typeof JOURNAL_COLUMNS)[number], string | number>,
  ): Promise<ReserveResult> {
    const n = r.amount;
    const limited = r.limitedToken && n > 0;
    const params = [r.userId, n, limited, r.tokenId, now, ...JOURNAL_COLUMNS.map((c) => row[c])];
    let out: { u: number; t: number };
    try {
      out = (
        await withDeadlockRetry(() =>
          this.db.executeQuery<{ u: number; t: number }>(CompiledQuery.raw(RESERVE_PG, params)),
        )
      ).rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '22012') return 'user'; // the token had it, the user not: rolled back
      throw err;
    }
    if (limited && out.t !== 1) return 'token';
    if (out.u !== 1) return 'user';
    return 'ok';
  }

  /**
   * Reserves `n` more for a call under way (a stream past its reservation): the same conditional updates
   * as `reserve`, without counting another request, and the journal row grows with them. On success
   * `r.amount` grows by `n`.
   */
  async extend(r: Reservation, requestId: string, n: number): Promise<boolean> {
    if (n <= 0) return true;
    try {
      await this.tx(async (trx) => {
        if (r.limitedToken) {
          const res = await trx
            .updateTable('tokens')
            .set((eb) => ({ remain_quota: eb('remain_quota', '-', n), used_quota: eb('used_quota', '+', n) }))
            .where('id', '=', r.tokenId)
            .where('remain_quota', '>=', n)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw new Refused('token');
        }
        const res = await trx
          .updateTable('users')
          .set((eb) => ({ quota: eb('quota', '-', n), used_quota: eb('used_quota', '+', n) }))
          .where('id', '=', r.userId)
          .where('quota', '>=', n)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new Refused('user');
        // the journal row must still be there (not claimed by a recovery): else nothing is taken
        const journaled = await trx
          .updateTable('pending_calls')
          .set((eb) => ({ amount: eb('amount', '+', n) }))
          .where('request_id', '=', requestId)
          .executeTakeFirst();
        if (Number(journaled.numUpdatedRows) !== 1) throw new Refused('user');
      });
    } catch (err) {
      if (err instanceof Refused) return false;
      throw err;
    }
    r.amount += n;
    return true;
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
   * Settles calls in one transaction: each applies only while its journal row exists, and the row is
   * deleted with it, so a batch retried after an unknown outcome, a spool replayed, or a call recovered
   * by another instance is never settled twice. Then per user the difference between reservations and
   * costs, per token its totals and last access, per channel its used quota (rows in id order, so that
   * two instances' batches never deadlock). Returns the keys of limited tokens this batch exhausted.
   */
  async applyLedger(calls: readonly CallSettlement[]): Promise<string[]> {
    if (calls.length === 0) return [];
    return this.tx(async (trx) => {
      const live = new Set<string>();
      for (const ids of chunks(calls.map((c) => c.requestId))) {
        let q = trx.selectFrom('pending_calls').select('request_id').where('request_id', 'in', ids);
        // SQLite has one writer at a time; the servers lock the rows against a concurrent recovery
        if (this.h.dialect.kind !== 'sqlite') q = q.forUpdate();
        for (const row of await q.execute()) live.add(row.request_id);
      }
      const apply = calls.filter((c) => live.delete(c.requestId));
      if (apply.length === 0) return [];
      for (const ids of chunks(apply.map((c) => c.requestId)))
        await trx.deleteFrom('pending_calls').where('request_id', 'in', ids).execute();
      const b = sumCalls(apply);
      const byId = <V>(m: Map<number, V>) => [...m].sort((x, y) => x[0] - y[0]);
      // channels first (nothing else locks them), then tokens → users, the order of every quota write;
      // the user's row, which every call of that user waits on, is held for the shortest time
      for (const [id, used] of byId(b.channels)) {
        await trx
          .updateTable('channels')
          .set((eb) => ({ used_quota: eb('used_quota', '+', used) }))
          .where('id', '=', id)
          .execute();
      }
      const exhausted: string[] = [];
      for (const [id, t] of byId(b.tokens)) {
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
          .set({ status: TOKEN_STATUS.Exhausted })
          .where('id', '=', id)
          .where('status', '=', TOKEN_STATUS.Enabled)
          .where('remain_quota', '<=', 0)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1 && t.key) exhausted.push(t.key);
      }
      for (const [id, u] of byId(b.users)) {
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
      return exhausted;
    });
  }

  /** Status 4 once a limited token's remain_quota reaches 0 (CONTRACT §8); true when this call flipped it. */
  async markExhausted(tokenId: number): Promise<boolean> {
    const res = await this.db
      .updateTable('tokens')
      .set({ status: TOKEN_STATUS.Exhausted })
      .where('id', '=', tokenId)
      .where('status', '=', TOKEN_STATUS.Enabled)
      .where('unlimited_quota', '=', 0)
      .where('remain_quota', '<=', 0)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Status 3 on the first use after expired_time. */
  async markExpired(tokenId: number): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set({ status: TOKEN_STATUS.Expired })
      .where('id', '=', tokenId)
      .where('status', '=', TOKEN_STATUS.Enabled)
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
