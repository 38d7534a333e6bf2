import type { Selectable } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { MainDatabase, TokensTable } from '../../db/schema.ts';

/**
 * Columns of a token answer. `key` is the lookup hash (events and caches name a token by it); the
 * encrypted key is read only by `keyEncOwned`, for `POST /api/token/:id/key`.
 */
const COLUMNS = [
  'id',
  'user_id',
  'key',
  'key_hint',
  'name',
  'status',
  'created_time',
  'accessed_time',
  'expired_time',
  'remain_quota',
  'unlimited_quota',
  'used_quota',
  'model_limits_enabled',
  'model_limits',
  'allow_ips',
  'group',
] as const;

export type TokenRow = Pick<Selectable<TokensTable>, (typeof COLUMNS)[number]>;
export type TokenPatch = Partial<Omit<TokenRow, 'id' | 'user_id' | 'key' | 'key_hint'>>;
export type NewTokenRow = Omit<TokenRow, 'id'> & { key_enc: string };

/** Search answers are bounded: a keyword never returns a user's whole table. */
const SEARCH_LIMIT = 100;

/** Every query that takes a token id also takes its owner: another user's id is simply not found. */
export class TokensRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  /** The relay's lookup by key hash, once per request (cached 5 s there). Index tokens_key_uq: one probe. */
  findByHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').select(COLUMNS).where('key', '=', hash).executeTakeFirst();
  }

  async keyEncOwned(userId: number, id: number): Promise<string | null | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .select('key_enc')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.key_enc;
  }

  /** Rows still holding a plain key (older releases, New API imports), a batch at a time. */
  plainKeys(limit: number): Promise<Array<{ id: number; key: string }>> {
    return this.db
      .selectFrom('tokens')
      .select(['id', 'key'])
      .where('key_enc', 'is', null)
      .limit(limit)
      .execute();
  }

  /** Replaces a plain key by its sealed form; a row another instance converted first is left alone. */
  async sealPlain(id: number, sealed: { key: string; key_enc: string; key_hint: string }): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set(sealed)
      .where('id', '=', id)
      .where('key_enc', 'is', null)
      .execute();
  }

  /** Primary key, then the owner check in the same statement. */
  findOwned(userId: number, id: number): Promise<TokenRow | undefined> {
    return this.db
      .selectFrom('tokens')
      .select(COLUMNS)
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  /**
   * Newest first. Index tokens_user_id_idx (user_id, id): a range scan of one user's rows in id order; the
   * count reads the same index, and a user has at most MaxTokensPerUser tokens, so it stays small.
   */
  async listOwned(
    userId: number,
    offset: number,
    limit: number,
  ): Promise<{ items: TokenRow[]; total: number }> {
    const q = this.db.selectFrom('tokens').where('user_id', '=', userId);
    const [items, total] = await Promise.all([
      q.select(COLUMNS).orderBy('id', 'desc').limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(total.n) };
  }

  async countOwned(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Name contains the keyword (case-insensitive, `%`/`_` literal); index tokens_user_id_idx narrows to the user. */
  searchOwned(userId: number, keyword: string): Promise<TokenRow[]> {
    return this.db
      .selectFrom('tokens')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .where(this.h.dialect.ilike('name', `%${escapeLike(keyword)}%`))
      .orderBy('id', 'desc')
      .limit(SEARCH_LIMIT)
      .execute();
  }

  insert(row: NewTokenRow): Promise<number> {
    return this.h.dialect.insertId(this.db, 'tokens', row as Record<string, unknown>);
  }

  async updateOwned(userId: number, id: number, patch: TokenPatch): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await this.db
      .updateTable('tokens')
      .set(patch)
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .execute();
  }

  /** The caller's rows among `ids` (a batch action; another user's ids are simply not found). */
  findOwnedMany(userId: number, ids: readonly number[]): Promise<TokenRow[]> {
    return this.db
      .selectFrom('tokens')
      .select(COLUMNS)
      .where('id', 'in', ids)
      .where('user_id', '=', userId)
      .execute();
  }

  async updateOwnedMany(userId: number, ids: readonly number[], patch: TokenPatch): Promise<number> {
    const res = await this.db
      .updateTable('tokens')
      .set(patch)
      .where('id', 'in', ids)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async deleteOwnedMany(userId: number, ids: readonly number[]): Promise<number> {
    const res = await this.db
      .deleteFrom('tokens')
      .where('id', 'in', ids)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async deleteOwned(userId: number, id: number): Promise<boolean> {
    const res = await this.db
      .deleteFrom('tokens')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
