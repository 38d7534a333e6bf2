import { randomBytes } from 'node:crypto';
import type { DbHandle } from '../db/connect.ts';
import type { LogDatabase, MainDatabase } from '../db/schema.ts';
import { LogType, type LogWriter } from '../modules/logs/log-types.ts';
import type { CallSettlement } from './ledger.ts';
import type { QuotaRepo } from './quota.repo.ts';

export interface JournalTiming {
  /** how often this instance says it is alive, and looks for orphans (ms; default 15 s) */
  heartbeatMs: number;
  /** an instance silent this long is gone, and its calls older than this are orphans (ms; default 120 s) */
  staleMs: number;
}

export const JOURNAL_TIMING: JournalTiming = { heartbeatMs: 15_000, staleMs: 120_000 };

/** After a shutdown that spooled work, the instance's rows wait this long for it to come back (s). */
const SPOOL_LEASE_S = 600;

const PAGE = 500;

export interface RecoveryResult {
  /** orphans settled from the log their call had written */
  fromLog: number;
  /** orphans with no log: billed as reserved, logged as interrupted */
  interrupted: number;
}

/**
 * The reservation journal's other half (CONTRACT §12): every instance heartbeats in `relay_instances`; the
 * journal rows (pending_calls) of an instance that stopped heartbeating are orphans of a crash (kill -9,
 * power loss) and are recovered here:
 * - the call's log was stored (it settles only after that): settled from the log, exactly;
 * - no log: a log "interrupted" is written at the reserved amount, then the row is settled at that
 *   amount, so quota taken equals quota logged to the unit.
 * Orphans are claimed first (their rows move to a fresh owner id in one UPDATE), so that two instances
 * never recover the same call. Recovery is idempotent: a crash half-way leaves rows that the next pass
 * settles from the log it had written.
 */
export class CallJournal {
  /** this process's owner id in pending_calls and relay_instances */
  readonly id = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly d: {
      main: DbHandle<MainDatabase>;
      logs: DbHandle<LogDatabase>;
      quota: QuotaRepo;
      logWriter: LogWriter;
      onError: (err: unknown) => void;
      onRecovered: (r: RecoveryResult) => void;
      timing?: Partial<JournalTiming>;
    },
  ) {}

  private get timing(): JournalTiming {
    return { ...JOURNAL_TIMING, ...this.d.timing };
  }

  /**
   * Says this instance is alive, then recovers orphans in the background and keeps both going.
   * `ready`: work that must land first (the log spool's replay: its rows are logs of journaled calls).
   */
  async start(ready: Promise<unknown> = Promise.resolve()): Promise<void> {
    await this.beat().catch(this.d.onError);
    this.running = ready
      .catch(() => {})
      .then(() => this.recover())
      .catch(this.d.onError);
    this.timer = setInterval(() => {
      void this.beat().catch(this.d.onError);
      this.running = this.running.then(() => this.recover()).catch(this.d.onError);
    }, this.timing.heartbeatMs);
    this.timer.unref?.();
  }

  /**
   * At shutdown: with every call settled the instance says goodbye; with work spooled (logs or
   * settlements the databases could not take) its rows are held for SPOOL_LEASE_S, so the restart that
   * replays the spool settles them rather than another instance's recovery.
   */
  async stop(spooled: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => {});
    const db = this.d.main.db;
    try {
      if (spooled) await this.beat(Math.floor(Date.now() / 1000) + SPOOL_LEASE_S);
      else await db.deleteFrom('relay_instances').where('id', '=', this.id).execute();
    } catch (err) {
      this.d.onError(err);
    }
  }

  private beat(at = Math.floor(Date.now() / 1000)): Promise<void> {
    const { db, dialect } = this.d.main;
    return dialect.upsertReplace(db, 'relay_instances', { id: this.id, seen_at: at }, ['id'], ['seen_at']);
  }

  /**
   * Finds the owners that stopped heartbeating, claims their rows older than the stale bound, and settles
   * them. Returns what it did. On SQLite (one machine, one clock) an owner is gone after two missed
   * heartbeats; on a server database after `staleMs`, which also covers clocks that differ a little.
   */
  async recover(): Promise<RecoveryResult> {
    const out: RecoveryResult = { fromLog: 0, interrupted: 0 };
    const { db } = this.d.main;
    const now = Math.floor(Date.now() / 1000);
    const bound = this.d.main.dialect.kind === 'sqlite' ? 2 * this.timing.heartbeatMs : this.timing.staleMs;
    const cutoff = now - Math.ceil(bound / 1000);
    const dead = await db
      .selectFrom('pending_calls as p')
      .leftJoin('relay_instances as i', 'i.id', 'p.owner')
      .select('p.owner')
      .distinct()
      .where('p.owner', '!=', this.id)
      .where('p.created_at', '<', cutoff)
      .where((eb) => eb.or([eb('i.id', 'is', null), eb('i.seen_at', '<', cutoff)]))
      .execute();
    for (const { owner } of dead) {
      if (this.stopped) break;
      const claim = `r${randomBytes(7).toString('hex')}`; // a recovery's own owner id, heartbeating below
      await this.d.main.dialect.upsertReplace(
        db,
        'relay_instances',
        { id: claim, seen_at: now },
        ['id'],
        ['seen_at'],
      );
      const res = await db
        .updateTable('pending_calls')
        .set({ owner: claim })
        .where('owner', '=', owner)
        .where('created_at', '<', cutoff)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) {
        const r = await this.settleClaimed(claim);
        out.fromLog += r.fromLog;
        out.interrupted += r.interrupted;
      }
      await db.deleteFrom('relay_instances').where('id', '=', claim).execute();
      // the dead owner's heartbeat row goes once it has no rows left
      const left = await db
        .selectFrom('pending_calls')
        .select('request_id')
        .where('owner', '=', owner)
        .limit(1)
        .execute();
      if (left.length === 0)
        await db
          .deleteFrom('relay_instances')
          .where('id', '=', owner)
          .where('seen_at', '<', cutoff)
          .execute();
    }
    if (out.fromLog + out.interrupted > 0) this.d.onRecovered(out);
    return out;
  }

  private async settleClaimed(claim: string): Promise<RecoveryResult> {
    const out: RecoveryResult = { fromLog: 0, interrupted: 0 };
    const { db } = this.d.main;
    for (;;) {
      const rows = await db
        .selectFrom('pending_calls')
        .selectAll()
        .where('owner', '=', claim)
        .limit(PAGE)
        .execute();
      if (rows.length === 0) return out;
      await db
        .updateTable('relay_instances')
        .set({ seen_at: Math.floor(Date.now() / 1000) })
        .where('id', '=', claim)
        .execute();
      const logs = await this.d.logs.db
        .selectFrom('logs')
        .select(['request_id', 'type', 'quota', 'channel_id'])
        .where(
          'request_id',
          'in',
          rows.map((r) => r.request_id),
        )
        .where('type', 'in', [LogType.Consume, LogType.Error])
        .execute();
      const logged = new Map(logs.map((l) => [l.request_id, l]));
      const now = Math.floor(Date.now() / 1000);
      const calls: CallSettlement[] = [];
      let interrupted = 0;
      for (const row of rows) {
        const log = logged.get(row.request_id);
        const amount = Number(row.amount);
        const refund = log?.type === LogType.Error;
        calls.push({
          requestId: row.request_id,
          userId: row.user_id,
          tokenId: row.token_id,
          tokenKey: '',
          limited: row.limited === 1,
          reserved: amount,
          actual: log ? (refund ? 0 : Number(log.quota)) : amount,
          channelId: log?.channel_id ?? 0,
          at: now,
          refund,
        });
        if (log) continue;
        interrupted += 1;
        this.d.logWriter.write({
          type: LogType.Consume,
          user_id: row.user_id,
          username: row.username,
          token_id: row.token_id,
          token_name: row.token_name,
          model_name: row.model_name,
          group: row.group,
          ip: row.ip,
          is_stream: row.is_stream === 1,
          request_id: row.request_id,
          created_at: Number(row.created_at),
          use_time: Math.max(0, now - Number(row.created_at)),
          quota: amount,
          content: 'call interrupted: the server stopped before the call was settled; billed as reserved',
          other: { interrupted: true, request_path: row.path, usage_source: 'reserved' },
          keep: true,
          rollup: row.rollup === 1,
        });
      }
      // the interrupted calls' logs first: a crash after this finds them and settles from them
      if (interrupted > 0) await this.d.logWriter.flush();
      await this.d.quota.applyLedger(calls);
      out.fromLog += rows.length - interrupted;
      out.interrupted += interrupted;
    }
  }
}
