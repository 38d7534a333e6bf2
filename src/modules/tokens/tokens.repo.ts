import type { Selectable } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { MainDatabase, TokensTable } from '../../db/schema.ts';

export type TokenRow = Selectable<TokensTable>;
export type TokenPatch = Partial<Omit<TokenRow, 'id' | 'user_id' | 'key'>>;

/**
 * Columns of a token answer. `key` is selected so the service can mask it; the service, never the route,
 * decides when a full key is shown (create and `POST /api/token/:id/key` only).
 */
const COLUMNS = [
  'id',
  'user_id',
  'key',
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

/** Search answers are bounded: a keyword never returns a user's whole table. */
const SEARCH_LIMIT = 100;

/** Every query that takes a token id also takes its owner: another user's id is simply not found. */
export class TokensRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  /** The relay's lookup, once per request (cached 5 s there). Index tokens_key_uq: one equality probe. */
  findByKey(key: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').select(COLUMNS).where('key', '=', key).executeTakeFirst();
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

  insert(row: Omit<TokenRow, 'id'>): Promise<number> {
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

  async deleteOwned(userId: number, id: number): Promise<boolean> {
    const res = await this.db
      .deleteFrom('tokens')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
