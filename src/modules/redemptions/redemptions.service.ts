import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../events.ts';
import { AppError, conflict, notFound } from '../../http/errors.ts';
import { type LogEntry, LogType, type LogWriter } from '../logs/log-types.ts';
import { toRow } from '../logs/log-writer.ts';
import type { OptionsService } from '../options/options.service.ts';
import type { TokenKeys } from '../tokens/token-keys.ts';
import type { RedemptionFilter, RedemptionRow, RedemptionsRepo } from './redemptions.repo.ts';
import {
  type CreateRedemptionInput,
  REDEMPTION_STATUS,
  type UpdateRedemptionInput,
} from './redemptions.schema.ts';

export interface RedemptionsServiceDeps {
  repo: RedemptionsRepo;
  /** the same keyed hash and cipher as token keys (CONTRACT §10) */
  keys: TokenKeys;
  logWriter: LogWriter;
  events: EventBus;
  options: OptionsService;
  /** logs share the main database: the top-up log is written in the redemption's own transaction */
  logsInMainDatabase: boolean;
  now?: () => number;
}

/** A code as New API's console reads it (its `count` and `DeletedAt` included). */
export interface RedemptionView {
  id: number;
  user_id: number;
  /** the whole code while unused (admins hand it out), the masked form once used or disabled */
  key: string;
  status: number;
  name: string;
  quota: number;
  created_time: number;
  redeemed_time: number;
  used_user_id: number;
  expired_time: number;
  count: 0;
  DeletedAt: null;
}

const hint = (code: string) => `${code.slice(0, 4)}****${code.slice(-4)}`;

/** A whole code as New API makes them: 32 lowercase hex characters (dashes, if pasted with them, dropped). */
const asCode = (s: string) => s.trim().toLowerCase().replace(/-/g, '');

/** Redemption codes (CONTRACT §6): admins create them in batches, a user redeems one once for quota. */
export class RedemptionsService {
  private readonly now: () => number;

  constructor(private readonly d: RedemptionsServiceDeps) {
    this.now = d.now ?? (() => Math.floor(Date.now() / 1000));
  }

  view(r: RedemptionRow): RedemptionView {
    let key = r.key_hint;
    if (r.status === REDEMPTION_STATUS.Unused && r.key_enc) {
      try {
        key = this.d.keys.reveal(r.key_enc);
      } catch {
        // sealed under another secret: the masked form
      }
    }
    return {
      id: r.id,
      user_id: r.user_id,
      key,
      status: r.status,
      name: r.name,
      quota: Number(r.quota),
      created_time: Number(r.created_time),
      redeemed_time: Number(r.redeemed_time),
      used_user_id: r.used_user_id,
      expired_time: Number(r.expired_time),
      count: 0,
      DeletedAt: null,
    };
  }

  async list(f: Omit<RedemptionFilter, 'now' | 'keyHash'>, page: number) {
    const kw = f.keyword ? asCode(f.keyword) : '';
    const keyHash = /^[0-9a-f]{32}$/.test(kw) ? this.d.keys.hash(kw) : undefined;
    const { items, total } = await this.d.repo.list({
      ...f,
      keyword: keyHash ? undefined : f.keyword,
      keyHash,
      now: this.now(),
    });
    return { items: items.map((r) => this.view(r)), total, page, page_size: f.limit };
  }

  async get(id: number): Promise<RedemptionView> {
    const row = await this.d.repo.findById(id);
    if (!row) throw notFound('redemption code not found');
    return this.view(row);
  }

  /** Creates `count` codes; returns them whole (the only answer that carries every new code). */
  async create(adminId: number, input: CreateRedemptionInput): Promise<string[]> {
    const now = this.now();
    const codes = Array.from({ length: input.count }, () => randomBytes(16).toString('hex'));
    await this.d.repo.insertMany(
      codes.map((code) => {
        const sealed = this.d.keys.seal(code);
        return {
          user_id: adminId,
          key: sealed.key,
          key_enc: sealed.key_enc,
          key_hint: hint(code),
          status: REDEMPTION_STATUS.Unused,
          name: input.name,
          quota: input.quota,
          created_time: now,
          redeemed_time: 0,
          used_user_id: 0,
          expired_time: input.expired_time,
        };
      }),
    );
    return codes;
  }

  /** `statusOnly`: New API's enable/disable, which sends `{id, status}` only. A used code stays used. */
  async update(input: UpdateRedemptionInput, statusOnly: boolean): Promise<RedemptionView> {
    const row = await this.d.repo.findById(input.id);
    if (!row) throw notFound('redemption code not found');
    const set: Parameters<RedemptionsRepo['update']>[1] = {};
    if (input.status !== undefined) {
      if (row.status === REDEMPTION_STATUS.Used)
        throw conflict('a used redemption code cannot be enabled or disabled');
      set.status = input.status;
    }
    if (!statusOnly) {
      if (input.name !== undefined) set.name = input.name;
      if (input.quota !== undefined) set.quota = input.quota;
      if (input.expired_time !== undefined) set.expired_time = input.expired_time;
    }
    if (!(await this.d.repo.update(row.id, set)))
      throw conflict('a used redemption code cannot be enabled or disabled');
    return this.view({ ...row, ...set });
  }

  async delete(id: number): Promise<void> {
    if (!(await this.d.repo.delete(id))) throw notFound('redemption code not found');
  }

  deleteInvalid(): Promise<number> {
    return this.d.repo.deleteInvalid(this.now());
  }

  /**
   * Redeems `key` for the user: the code's quota is added and a top-up log (type 1) written, once, however
   * many requests race for the code. Returns the quota added (New API's console adds it to the balance).
   */
  async redeem(user: { id: number; username: string }, key: string): Promise<number> {
    const code = asCode(key);
    const now = this.now();
    const entry = (quota: number, id: number): LogEntry => ({
      type: LogType.TopUp,
      user_id: user.id,
      username: user.username,
      content: `top-up with redemption code #${id}: ${quota} quota (${(quota / this.d.options.int('QuotaPerUnit')).toFixed(6)} USD)`,
      quota,
    });
    const inTx = this.d.logsInMainDatabase ? (q: number, id: number) => toRow(entry(q, id), now) : null;
    const out = /^[0-9a-f]{32}$/.test(code)
      ? await this.d.repo.redeem(this.d.keys.hash(code), user.id, now, inTx)
      : ({ ok: false, why: 'unknown' } as const);
    if (!out.ok) {
      const why = {
        unknown: 'no such redemption code',
        used: 'this redemption code has already been used',
        disabled: 'this redemption code is disabled',
        expired: 'this redemption code has expired',
      }[out.why];
      throw new AppError(out.why === 'unknown' ? 404 : 409, why, 'key');
    }
    const quota = Number(out.code.quota);
    if (!inTx) this.d.logWriter.write(entry(quota, out.code.id));
    this.d.events.emit('user', user.id);
    return quota;
  }
}
