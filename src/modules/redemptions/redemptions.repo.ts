import type { Kysely, Selectable } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { LogDatabase, MainDatabase, NewLog, RedemptionsTable } from '../../db/schema.ts';
import { noteModels } from '../logs/log-writer.ts';
import { REDEMPTION_STATUS } from './redemptions.schema.ts';

export type RedemptionRow = Selectable<RedemptionsTable>;
export type NewRedemption = Omit<RedemptionRow, 'id'>;

export interface RedemptionFilter {
  /** an id (exact), or the start of a name */
  keyword?: string;
  /** the keyed hash of a whole code */
  keyHash?: string;
  /** 1, 2, 3, or 'expired' (unused and past its time) */
  status?: number | 'expired';
  now: number;
  offset: number;
  limit: number;
}

export type RedeemOutcome =
  | { ok: true; code: RedemptionRow }
  | { ok: false; why: 'unknown' | 'used' | 'disabled' | 'expired' };

const redeemable = (now: number) => (eb: any) =>
  eb.and([
    eb('status', '=', REDEMPTION_STATUS.Unused),
    eb.or([eb('expired_time', '=', 0), eb('expired_time', '>=', now)]),
  ]);

export class RedemptionsRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  async insertMany(rows: NewRedemption[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('redemptions').values(rows).execute();
    });
  }

  async list(f: RedemptionFilter): Promise<{ items: RedemptionRow[]; total: number }> {
    let q = this.db.selectFrom('redemptions');
    if (f.keyHash) q = q.where('key', '=', f.keyHash);
    else if (f.keyword) {
      const kw = f.keyword;
      const byName = this.h.dialect.ilike('name', `${escapeLike(kw)}%`);
      q = q.where((eb) => (/^\d{1,9}$/.test(kw) ? eb.or([eb('id', '=', Number(kw)), byName]) : byName));
    }
    if (f.status === 'expired')
      q = q
        .where('status', '=', REDEMPTION_STATUS.Unused)
        .where('expired_time', '!=', 0)
        .where('expired_time', '<', f.now);
    else if (f.status !== undefined) q = q.where('status', '=', f.status);
    const [items, count] = await Promise.all([
      q.selectAll().orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(count.n) };
  }

  findById(id: number): Promise<RedemptionRow | undefined> {
    return this.db.selectFrom('redemptions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Changes a code; a status change applies only while the code is not used (conditional, so an edit
   * racing a redemption cannot turn a used code back into an unused one). False when that refused it.
   */
  async update(
    id: number,
    set: Partial<Pick<RedemptionRow, 'name' | 'quota' | 'expired_time' | 'status'>>,
  ): Promise<boolean> {
    if (Object.keys(set).length === 0) return true;
    let q = this.db.updateTable('redemptions').set(set).where('id', '=', id);
    if (set.status !== undefined) q = q.where('status', '!=', REDEMPTION_STATUS.Used);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async delete(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('redemptions').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Used, disabled and expired codes: New API's "delete invalid". */
  async deleteInvalid(now: number): Promise<number> {
    const res = await this.db
      .deleteFrom('redemptions')
      .where((eb) =>
        eb.or([
          eb('status', 'in', [REDEMPTION_STATUS.Used, REDEMPTION_STATUS.Disabled]),
          eb.and([eb('expired_time', '!=', 0), eb('expired_time', '<', now)]),
        ]),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /**
   * Redeems a code for a user in one transaction: a conditional UPDATE marks it used only while it is
   * unused and unexpired (two concurrent redemptions: exactly one changes a row), then the user's quota
   * grows by the code's, and the top-up log (`log`, when the logs live in this database) is written in
   * the same transaction.
   */
  async redeem(
    keyHash: string,
    userId: number,
    now: number,
    log: ((q: number, id: number) => NewLog) | null,
  ): Promise<RedeemOutcome> {
    return this.db.transaction().execute(async (trx): Promise<RedeemOutcome> => {
      const code = await trx
        .selectFrom('redemptions')
        .selectAll()
        .where('key', '=', keyHash)
        .executeTakeFirst();
      if (!code) return { ok: false, why: 'unknown' };
      const res = await trx
        .updateTable('redemptions')
        .set({ status: REDEMPTION_STATUS.Used, redeemed_time: now, used_user_id: userId })
        .where('id', '=', code.id)
        .where(redeemable(now))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        // a locking read sees the winner's commit (MySQL's REPEATABLE READ snapshot would not)
        let q = trx.selectFrom('redemptions').select(['status', 'expired_time']).where('id', '=', code.id);
        if (this.h.dialect.kind !== 'sqlite') q = q.forUpdate();
        const latest = await q.executeTakeFirst();
        if (latest?.status === REDEMPTION_STATUS.Disabled) return { ok: false, why: 'disabled' };
        if (latest?.status === REDEMPTION_STATUS.Unused) return { ok: false, why: 'expired' };
        return { ok: false, why: 'used' };
      }
      await trx
        .updateTable('users')
        .set((eb) => ({ quota: eb('quota', '+', Number(code.quota)) }))
        .where('id', '=', userId)
        .execute();
      if (log) {
        const row = log(Number(code.quota), code.id);
        await (trx as unknown as Kysely<LogDatabase>).insertInto('logs').values(row).execute();
        await noteModels(trx, this.h.dialect, [row]);
      }
      return {
        ok: true,
        code: { ...code, status: REDEMPTION_STATUS.Used, redeemed_time: now, used_user_id: userId },
      };
    });
  }
}
