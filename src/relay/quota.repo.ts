import { CompiledQuery, type Transaction } from 'kysely';
import type { DbHandle } from '../db/connect.ts';
import { sqliteConnectionOf } from '../db/dialects/sqlite.ts';
import { chunks, withDeadlockRetry } from '../db/retry.ts';
import type { MainDatabase, PendingCallsTable } from '../db/schema.ts';
import { TOKEN_STATUS } from '../shared/enums.ts';
import { JOURNAL_COLUMNS, RESERVE_PG } from './journal-sql.ts';
import { type CallSettlement, sumCalls } from './ledger.ts';

/** What a call has reserved, and from whom. */
export interface Reservation {
  userId: number;
  tokenId: number;
  /** the token has a remain_quota to respect (not unlimited) */
  limitedToken: boolean;
  amount: number;
}

export type ReserveResult = 'ok' | 'token' | 'user';

/** The journal row of a call (pending_calls), less the reservation's own columns. */
export type JournalRow = Omit<PendingCallsTable, 'user_id' | 'token_id' | 'limited' | 'amount'>;

/** Thrown inside the reservation's transaction to roll back its token part. */
class Refused extends Error {
  constructor(readonly why: ReserveResult) {
    super(why);
  }
}

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

type SqliteConnection = NonNullable<ReturnType<typeof sqliteConnectionOf>>;

/** A reservation waiting for its group's commit (SQLite). */
interface PendingReservation {
  r: Reservation;
  now: number;
  row: Record<(typeof JOURNAL_COLUMNS)[number], string | number>;
  resolve: (out: ReserveResult) => void;
  reject: (err: unknown) => void;
}

/** Reservations in one SQLite commit at most: a few milliseconds of the event loop. */
const MAX_GROUP = 256;

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
    if (sqlite) return this.reserveOnSqlite(sqlite, r, now, row);
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
   * SQLite: reservations are committed in groups. Each call's transaction (journal row, token, user) runs
   * as a savepoint inside one transaction per turn of the event loop, with its statements prepared once:
   * a WAL commit per call was the largest single cost of a relay call on SQLite (the pages of the users,
   * tokens and pending_calls tables written for every call). A refused call rolls back to its savepoint
   * (nothing of it is kept); a call whose statement fails is refused alone, the others still commit.
   * Calls join the group that is open until the check phase of the loop (setImmediate): the calls whose
   * requests arrived in the same I/O turn share a commit, and a lone call waits for nothing but that turn.
   */
  private reserveOnSqlite(
    conn: SqliteConnection,
    r: Reservation,
    now: number,
    row: Record<(typeof JOURNAL_COLUMNS)[number], string | number>,
  ): Promise<ReserveResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ r, now, row, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.commitReservations(conn));
    });
  }

  /** Reservations waiting for the next group commit (SQLite). */
  private waiting: PendingReservation[] = [];
  /** Groups committed so far, and the calls they held (tests read them: the grouping is the point). */
  readonly reservationGroups = { commits: 0, calls: 0 };
  private group?: (calls: PendingReservation[]) => Array<ReserveResult | Error>;

  private async commitReservations(conn: SqliteConnection): Promise<void> {
    const calls = this.waiting.splice(0, MAX_GROUP);
    if (this.waiting.length > 0) setImmediate(() => void this.commitReservations(conn));
    let results: Array<ReserveResult | Error>;
    try {
      // (preparing can fail too: a closed database at shutdown; every waiting call hears it)
      this.group ??= this.prepareGroup(conn);
      const group = this.group;
      // Run at once when no transaction is open on the connection (nothing can interleave with
      // synchronous work); else on Kysely's connection, after the transaction holding it (the log
      // writer's batch, a settlement) has ended.
      results = conn.inTransaction
        ? await this.db.connection().execute(async () => group(calls))
        : group(calls);
    } catch (err) {
      for (const c of calls) c.reject(err);
      return;
    }
    this.reservationGroups.commits += 1;
    this.reservationGroups.calls += calls.length;
    calls.forEach((c, i) => {
      const out = results[i];
      if (out instanceof Error) c.reject(out);
      else c.resolve(out);
    });
  }

  private prepareGroup(conn: SqliteConnection) {
    const st = {
      journal: conn.prepare(
        `INSERT INTO pending_calls (${JOURNAL_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${JOURNAL_COLUMNS.map(() => '?').join(', ')})`,
      ),
      token: conn.prepare(
        'UPDATE tokens SET remain_quota = remain_quota - ?, used_quota = used_quota + ?, accessed_time = ? WHERE id = ? AND remain_quota >= ?',
      ),
      user: conn.prepare(
        'UPDATE users SET quota = quota - ?, used_quota = used_quota + ?, request_count = request_count + 1 WHERE id = ? AND quota >= ?',
      ),
    };
    // called inside the group's transaction, better-sqlite3 runs it as a SAVEPOINT: a throw undoes it alone
    const one = conn.transaction(({ r, now, row }: PendingReservation): ReserveResult => {
      const n = r.amount;
      st.journal.run(...JOURNAL_COLUMNS.map((c) => row[c]));
      if (r.limitedToken && n > 0 && st.token.run(n, n, now, r.tokenId, n).changes !== 1)
        throw new Refused('token');
      if (st.user.run(n, n, r.userId, n).changes !== 1) throw new Refused('user');
      return 'ok';
    });
    return conn.transaction((calls: PendingReservation[]) =>
      calls.map((c): ReserveResult | Error => {
        // an error SQLite answers with a rollback of the whole transaction (a full disk, an I/O error):
        // the calls after it must not run, each committing on its own, under a COMMIT that will fail
        if (!conn.inTransaction) return new Error('the reservation group was rolled back by the database');
        try {
          return one(c);
        } catch (err) {
          if (err instanceof Refused) return err.why;
          return err instanceof Error ? err : new Error(String(err));
        }
      }),
    );
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
