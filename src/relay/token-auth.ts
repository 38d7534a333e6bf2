import type { Selectable } from 'kysely';
import type { TokensTable, User } from '../db/schema.ts';
import type { EventBus } from '../events.ts';
import { AppError } from '../http/errors.ts';
import { compileAllowIps, type IpMatcher } from '../http/ip-allow.ts';
import { ROLE, TOKEN_STATUS } from '../shared/enums.ts';
import { parseKey } from '../shared/token-key.ts';
import { TtlCache } from './ttl-cache.ts';

export type TokenRow = Omit<Selectable<TokensTable>, 'key_enc'>;

/** The token lookup the tokens module provides: keys are stored (and cached) by their keyed hash. */
export interface TokenSource {
  /** hash of a key given without "sk-" */
  hashKey(key: string): string;
  findByHash(hash: string): Promise<TokenRow | undefined>;
}
export interface UserSource {
  findAuthById(id: number): Promise<User | undefined>;
}

/** A relay error in OpenAI shape: `code` lands in `{error: {code}}`. */
export class RelayError extends AppError {
  constructor(
    status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(status, message);
  }
}

interface CachedToken {
  row: TokenRow;
  allow: IpMatcher | null;
  models: Set<string> | null;
}

export interface RelayAuth {
  token: TokenRow;
  user: Pick<User, 'id' | 'username' | 'role' | 'group'>;
  group: string;
  /** models the token is limited to, or null */
  models: Set<string> | null;
  /** channel named by an admin with sk-<key>-<channel id> */
  pinnedChannel: number | null;
}

const CACHE_TTL_MS = 5000;
/** Keys of existing tokens whose hash is remembered (emptied when full). */
const MAX_HASHES = 10_000;

/**
 * Relay authentication (CONTRACT §2, §8). Token and user rows are cached for 5 s (the cross-instance
 * staleness bound) and dropped at once on this instance's change events. Quota is not judged from the
 * cache: the atomic reservation is the authority.
 */
export class TokenAuth {
  private readonly tokens = new TtlCache<string, CachedToken>(CACHE_TTL_MS);
  private readonly users = new TtlCache<number, User>(CACHE_TTL_MS);
  /** key → its keyed hash, for keys that named a token (an HMAC per call was a tenth of authentication) */
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly tokenSource: TokenSource,
    private readonly userSource: UserSource,
    events: EventBus,
    private readonly onFlip: (token: TokenRow, status: 3 | 4) => Promise<void>,
  ) {
    events.on('token', (hash) => (hash === '' ? this.tokens.clear() : this.tokens.delete(hash)));
    events.on('user', (id) => (id === 0 ? this.users.clear() : this.users.delete(id)));
  }

  /** By key hash: the cache and the change events name tokens by it, never by the key itself. */
  private async token(hash: string): Promise<CachedToken | undefined> {
    const hit = this.tokens.get(hash);
    if (hit) return hit;
    const row = await this.tokenSource.findByHash(hash);
    if (!row) return undefined;
    const limits = row.model_limits_enabled
      ? new Set(
          row.model_limits
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
      : null;
    const entry = { row, allow: compileAllowIps(row.allow_ips ?? ''), models: limits };
    this.tokens.set(hash, entry);
    return entry;
  }

  private async user(id: number): Promise<User | undefined> {
    const hit = this.users.get(id);
    if (hit) return hit;
    const row = await this.userSource.findAuthById(id);
    if (row) this.users.set(id, row);
    return row;
  }

  async authenticate(headers: Record<string, unknown>, ip: string, nowSec: number): Promise<RelayAuth> {
    const parsed = parseKey(headers.authorization, headers['x-api-key']);
    if (!parsed) throw new RelayError(401, 'missing API key (Authorization: Bearer sk-…)', 'missing_api_key');
    let hash = this.hashes.get(parsed.key);
    const remembered = hash !== undefined;
    hash ??= this.tokenSource.hashKey(parsed.key);
    const entry = await this.token(hash);
    if (!entry) throw new RelayError(401, 'invalid API key', 'invalid_api_key');
    // only keys that name a token are remembered: a stranger's made-up (and long) keys take no memory
    if (!remembered) {
      if (this.hashes.size >= MAX_HASHES) this.hashes.clear();
      this.hashes.set(parsed.key, hash);
    }
    const t = entry.row;
    if (t.status === TOKEN_STATUS.Disabled)
      throw new RelayError(401, 'this API key is disabled', 'token_disabled');
    if (t.status === TOKEN_STATUS.Expired)
      throw new RelayError(401, 'this API key has expired', 'token_expired');
    if (t.expired_time !== -1 && t.expired_time <= nowSec) {
      await this.onFlip(t, 3);
      this.tokens.delete(hash);
      throw new RelayError(401, 'this API key has expired', 'token_expired');
    }
    if (t.status === TOKEN_STATUS.Exhausted || (!t.unlimited_quota && t.remain_quota <= 0)) {
      if (t.status !== 4) await this.onFlip(t, 4);
      this.tokens.delete(hash);
      throw new RelayError(403, 'this API key has no quota left', 'token_quota_exhausted');
    }
    if (t.status !== 1) throw new RelayError(401, 'this API key is not enabled', 'token_disabled');
    const user = await this.user(t.user_id);
    // a deleted user is gone for every way in: its keys are as unknown as a made-up one (CONTRACT §8)
    if (!user || user.deleted_at != null) throw new RelayError(401, 'invalid API key', 'invalid_api_key');
    if (user.status !== 1) throw new RelayError(403, 'the user of this key is disabled', 'user_disabled');
    if (entry.allow && !entry.allow(ip))
      throw new RelayError(403, `IP ${ip} is not allowed for this key`, 'ip_not_allowed');
    if (parsed.channel !== null && user.role < ROLE.Admin)
      throw new RelayError(403, 'only admins may choose a channel', 'channel_not_allowed');
    if (parsed.channel === -1)
      throw new RelayError(400, 'the channel id after the key must be a positive integer');
    return {
      token: t,
      user: { id: user.id, username: user.username, role: user.role, group: user.group },
      group: t.group || user.group,
      models: entry.models,
      pinnedChannel: parsed.channel,
    };
  }

  /** 403 when the token is limited to models and this is not one of them. */
  checkModel(auth: RelayAuth, model: string): void {
    if (auth.models && !auth.models.has(model))
      throw new RelayError(403, `model ${model} is not allowed for this key`, 'model_not_allowed');
  }
}
