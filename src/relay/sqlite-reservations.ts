import type { Kysely } from 'kysely';
import type { sqliteConnectionOf } from '../db/dialects/sqlite.ts';
import type { MainDatabase } from '../db/schema.ts';
import { JOURNAL_COLUMNS } from './journal-sql.ts';
import { Refused, type Reservation, type ReserveResult } from './reservation.ts';

type SqliteConnection = NonNullable<ReturnType<typeof sqliteConnectionOf>>;
type JournalValues = Record<(typeof JOURNAL_COLUMNS)[number], string | number>;

/** A reservation waiting for its group's commit. */
interface Pending {
  r: Reservation;
  now: number;
  row: JournalValues;
  resolve: (out: ReserveResult) => void;
  reject: (err: unknown) => void;
}

/** Reservations in one commit at most: a few milliseconds of the event loop. */
const MAX_GROUP = 256;

/**
 * SQLite's reservations, committed in groups. Each call's transaction (journal row, token, user) runs as a
 * savepoint inside one transaction per turn of the event loop, with its statements prepared once: a WAL
 * commit per call was the largest single cost of a relay call on SQLite (the pages of the users, tokens
 * and pending_calls tables written for every call). A refused call rolls back to its savepoint (nothing of
 * it is kept); a call whose statement fails is refused alone, the others still commit. Calls join the
 * group that is open until the check phase of the loop (setImmediate): the calls whose requests arrived in
 * the same I/O turn share a commit, and a lone call waits for nothing but that turn.
 */
export class SqliteReservations {
  /** reservations waiting for the next group commit */
  private waiting: Pending[] = [];
  /** groups committed so far, and the calls they held (tests read them: the grouping is the point) */
  readonly groups = { commits: 0, calls: 0 };
  private group?: (calls: Pending[]) => Array<ReserveResult | Error>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly db: Kysely<MainDatabase>,
  ) {}

  reserve(r: Reservation, now: number, row: JournalValues): Promise<ReserveResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ r, now, row, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.commit());
    });
  }

  private async commit(): Promise<void> {
    const calls = this.waiting.splice(0, MAX_GROUP);
    if (this.waiting.length > 0) setImmediate(() => void this.commit());
    let results: Array<ReserveResult | Error>;
    try {
      // (preparing can fail too: a closed database at shutdown; every waiting call hears it)
      this.group ??= this.prepare();
      const group = this.group;
      // Run at once when no transaction is open on the connection (nothing can interleave with
      // synchronous work); else on Kysely's connection, after the transaction holding it (the log
      // writer's batch, a settlement) has ended.
      results = this.conn.inTransaction
        ? await this.db.connection().execute(async () => group(calls))
        : group(calls);
    } catch (err) {
      for (const c of calls) c.reject(err);
      return;
    }
    this.groups.commits += 1;
    this.groups.calls += calls.length;
    calls.forEach((c, i) => {
      const out = results[i];
      if (out instanceof Error) c.reject(out);
      else c.resolve(out);
    });
  }

  private prepare() {
    const conn = this.conn;
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
    const one = conn.transaction(({ r, now, row }: Pending): ReserveResult => {
      const n = r.amount;
      st.journal.run(...JOURNAL_COLUMNS.map((c) => row[c]));
      if (r.limitedToken && n > 0 && st.token.run(n, n, now, r.tokenId, n).changes !== 1)
        throw new Refused('token');
      if (st.user.run(n, n, r.userId, n).changes !== 1) throw new Refused('user');
      return 'ok';
    });
    return conn.transaction((calls: Pending[]) =>
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
}
