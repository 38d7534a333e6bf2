import { randomInt } from 'node:crypto';
import type { User } from '../../db/schema.ts';
import type { EventBus } from '../../events.ts';
import { badRequest, forbidden, notFound, unavailable } from '../../http/errors.ts';
import type { OptionsService } from '../options/options.service.ts';
import { usableGroups } from '../users/groups.ts';
import { maskKey, type TokenKeys } from './token-keys.ts';
import type { NewTokenRow, TokenPatch, TokenRow, TokensRepo } from './tokens.repo.ts';
import { type CreateTokenInput, TOKEN_STATUS, type UpdateTokenInput } from './tokens.schema.ts';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_LENGTH = 48;

/** 48 characters from the CSPRNG (randomInt is unbiased): ~285 bits. Stored without "sk-". */
export function generateTokenKey(): string {
  let key = '';
  for (let i = 0; i < KEY_LENGTH; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

/** A token as answers show it: booleans as booleans, the key masked unless a full key is given. */
export function tokenView(row: TokenRow, fullKey?: string) {
  const { key_hint, ...rest } = row;
  return {
    ...rest,
    key: fullKey ? `sk-${fullKey}` : key_hint || maskKey(row.key),
    unlimited_quota: row.unlimited_quota === 1,
    model_limits_enabled: row.model_limits_enabled === 1,
  };
}
export type TokenView = ReturnType<typeof tokenView>;

type Owner = Pick<User, 'id' | 'group'>;

export class TokensService {
  constructor(
    private readonly repo: TokensRepo,
    private readonly options: OptionsService,
    private readonly events: EventBus,
    /** hashes and seals keys with the server secret */
    readonly keys: TokenKeys,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Lookup hash of a key given without "sk-" (the relay caches tokens by it). */
  hashKey(key: string): string {
    return this.keys.hash(key);
  }

  findByHash(hash: string): Promise<TokenRow | undefined> {
    return this.repo.findByHash(hash);
  }

  /**
   * Converts rows that still hold a plain key (older releases, New API imports) to the sealed form, in
   * batches; safe to run on several instances at once. Returns how many were converted.
   */
  async sealPlainKeys(batch = 500): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.repo.plainKeys(batch);
      for (const r of rows) await this.repo.sealPlain(r.id, this.keys.seal(r.key));
      done += rows.length;
      if (rows.length < batch) return done;
    }
  }

  async list(owner: Owner, page: { offset: number; pageSize: number; page: number }) {
    const { items, total } = await this.repo.listOwned(owner.id, page.offset, page.pageSize);
    return { items: items.map((r) => tokenView(r)), total, page: page.page, page_size: page.pageSize };
  }

  /** The token of a key (without "sk-"), for `/api/log/token`. */
  findByKey(key: string): Promise<TokenRow | undefined> {
    return this.repo.findByHash(this.keys.hash(key));
  }

  /** Tokens whose name holds `keyword` (the newest 100), or the one whose whole key is `key`. */
  async search(owner: Owner, keyword: string, key?: string): Promise<TokenView[]> {
    if (key) {
      const row = await this.findByKey(key.replace(/^sk-/, ''));
      return row && row.user_id === owner.id && row.name.toLowerCase().includes(keyword.toLowerCase())
        ? [tokenView(row)]
        : [];
    }
    return (await this.repo.searchOwned(owner.id, keyword)).map((r) => tokenView(r));
  }

  async get(owner: Owner, id: number): Promise<TokenView> {
    return tokenView(await this.owned(owner, id));
  }

  async revealKey(owner: Owner, id: number): Promise<string> {
    const enc = await this.repo.keyEncOwned(owner.id, id);
    if (enc === undefined) throw notFound('token not found');
    if (enc === null) throw unavailable('token keys are being converted: try again in a moment');
    return `sk-${this.keys.reveal(enc)}`;
  }

  async create(owner: Owner, input: CreateTokenInput): Promise<TokenView> {
    const limit = this.options.int('TokenLimitPerUser');
    if (limit > 0 && (await this.repo.countOwned(owner.id)) >= limit)
      throw forbidden(`token limit reached: a user may hold at most ${limit} tokens`);
    this.checkGroup(owner, input.group);
    const now = this.now();
    if (input.expired_time !== -1 && input.expired_time <= now)
      throw badRequest('expired_time is in the past: use a later time or -1 (never)', 'expired_time');
    const plain = generateTokenKey();
    const row: NewTokenRow = {
      user_id: owner.id,
      ...this.keys.seal(plain),
      name: input.name,
      status: TOKEN_STATUS.Enabled,
      created_time: now,
      accessed_time: 0,
      expired_time: input.expired_time,
      remain_quota: input.remain_quota,
      unlimited_quota: input.unlimited_quota ? 1 : 0,
      used_quota: 0,
      model_limits_enabled: input.model_limits_enabled ? 1 : 0,
      model_limits: input.model_limits,
      allow_ips: input.allow_ips,
      group: input.group,
    };
    const id = await this.repo.insert(row);
    const { key_enc: _, ...stored } = row;
    return tokenView({ ...stored, id }, plain);
  }

  /** Fields present replace; `statusOnly` applies the status alone (New API's `?status_only=1`). */
  async update(owner: Owner, input: UpdateTokenInput, statusOnly: boolean): Promise<TokenView> {
    const current = await this.owned(owner, input.id);
    const patch: TokenPatch = {};
    if (input.status !== undefined) patch.status = input.status;
    if (!statusOnly) {
      if (input.name !== undefined) patch.name = input.name;
      if (input.remain_quota !== undefined) patch.remain_quota = input.remain_quota;
      if (input.unlimited_quota !== undefined) patch.unlimited_quota = input.unlimited_quota ? 1 : 0;
      if (input.expired_time !== undefined) patch.expired_time = input.expired_time;
      if (input.model_limits_enabled !== undefined)
        patch.model_limits_enabled = input.model_limits_enabled ? 1 : 0;
      if (input.model_limits !== undefined) patch.model_limits = input.model_limits;
      if (input.allow_ips !== undefined) patch.allow_ips = input.allow_ips;
      if (input.group !== undefined) {
        this.checkGroup(owner, input.group);
        patch.group = input.group;
      }
    }
    const next = { ...current, ...patch };
    if (patch.status === TOKEN_STATUS.Enabled) this.checkCanEnable(next);
    await this.repo.updateOwned(owner.id, current.id, patch);
    this.events.emit('token', current.key);
    return tokenView(next);
  }

  async delete(owner: Owner, id: number): Promise<void> {
    const current = await this.owned(owner, id);
    await this.repo.deleteOwned(owner.id, id);
    this.events.emit('token', current.key);
  }

  /**
   * Batch enable (1) or disable (2) of the caller's own tokens, one statement; how many. Enabling is all
   * or nothing: a token its expiry or quota keeps off is named in a 400 and nothing changes.
   */
  async setStatusMany(owner: Owner, ids: readonly number[], status: number): Promise<number> {
    const rows = await this.repo.findOwnedMany(owner.id, [...new Set(ids)]);
    if (status === TOKEN_STATUS.Enabled)
      for (const r of rows) {
        try {
          this.checkCanEnable(r);
        } catch (err) {
          throw badRequest(`token #${r.id} "${r.name}": ${(err as Error).message}`, 'status');
        }
      }
    if (rows.length === 0) return 0;
    const n = await this.repo.updateOwnedMany(
      owner.id,
      rows.map((r) => r.id),
      { status },
    );
    for (const r of rows) this.events.emit('token', r.key);
    return n;
  }

  /** Batch delete of the caller's own tokens (New API's `POST /api/token/batch`); how many went. */
  async deleteMany(owner: Owner, ids: readonly number[]): Promise<number> {
    const rows = await this.repo.findOwnedMany(owner.id, [...new Set(ids)]);
    if (rows.length === 0) return 0;
    const n = await this.repo.deleteOwnedMany(
      owner.id,
      rows.map((r) => r.id),
    );
    for (const r of rows) this.events.emit('token', r.key);
    return n;
  }

  /** Another user's token is indistinguishable from a missing one. */
  private async owned(owner: Owner, id: number): Promise<TokenRow> {
    const row = await this.repo.findOwned(owner.id, id);
    if (!row) throw notFound('token not found');
    return row;
  }

  /** An expired or exhausted token is enabled only once its expiry or quota no longer stops it. */
  private checkCanEnable(t: TokenRow): void {
    if (t.expired_time !== -1 && t.expired_time <= this.now())
      throw badRequest(
        'the token has expired: set expired_time to a later time or -1 (never) before enabling it',
        'status',
      );
    if (!t.unlimited_quota && t.remain_quota <= 0)
      throw badRequest(
        'the token has no quota left: raise remain_quota or make it unlimited before enabling it',
        'status',
      );
  }

  private checkGroup(owner: Owner, group: string): void {
    if (group && !(group in usableGroups(this.options, owner.group)))
      throw badRequest(`group "${group}" is not one of the groups you may use`, 'group');
  }
}
