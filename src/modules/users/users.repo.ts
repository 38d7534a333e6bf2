import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { MainDatabase, NewUser, User, UserUpdate } from '../../db/schema.ts';

/** Columns a user row may show; password and access token hash are never selected for answers. */
export const USER_PUBLIC_COLUMNS = [
  'id',
  'username',
  'display_name',
  'role',
  'status',
  'email',
  'group',
  'quota',
  'used_quota',
  'request_count',
  'created_at',
] as const;
export type PublicUser = Pick<User, (typeof USER_PUBLIC_COLUMNS)[number]>;

export interface UserListFilter {
  keyword?: string;
  offset: number;
  limit: number;
}

export class UsersRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  /** Primary-key lookup of a live (not deleted) user, with secrets: for auth and login only. */
  findAuthById(id: number): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Index users_username_uq. */
  findAuthByUsername(username: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Index users_access_token_uq. */
  findAuthByAccessTokenHash(hash: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('access_token_hash', '=', hash)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  findById(id: number): Promise<PublicUser | undefined> {
    return this.db
      .selectFrom('users')
      .select(USER_PUBLIC_COLUMNS)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /**
   * Deleted users included: a name stays taken. Case is ignored (CONTRACT §10: "ROOT" is taken while "root"
   * exists); index users_username_ci_uq. `exceptId`: a user renaming itself (changing only the case).
   */
  async usernameTaken(username: string, exceptId?: number): Promise<boolean> {
    let q = this.db.selectFrom('users').select('id').where(this.h.dialect.sameText('username', username));
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  }

  /** Ids of users with that exact name, deleted ones included (their logs stay). */
  async idByUsername(username: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirst();
    return row?.id;
  }

  async countRoots(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '>=', 100)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  insert(user: NewUser): Promise<number> {
    return this.h.dialect.insertId(this.db, 'users', user as Record<string, unknown>);
  }

  /** `endSessions`: every session of the user stops working at once, on every instance (CONTRACT §10). */
  async update(id: number, patch: UserUpdate, opts: { endSessions?: boolean } = {}): Promise<void> {
    await this.updateMany([id], patch, opts);
  }

  /** The same change to several users in one statement (all or none); deleted users are left alone. */
  async updateMany(
    ids: readonly number[],
    patch: UserUpdate,
    opts: { endSessions?: boolean } = {},
  ): Promise<void> {
    if (ids.length === 0 || (Object.keys(patch).length === 0 && !opts.endSessions)) return;
    await this.db
      .updateTable('users')
      .set((eb) => (opts.endSessions ? { ...patch, session_version: eb('session_version', '+', 1) } : patch))
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** Newest first; keyword: username, display name or email contains it (admin list, small table). */
  async list(filter: UserListFilter): Promise<{ items: PublicUser[]; total: number }> {
    let q = this.db.selectFrom('users').where('deleted_at', 'is', null);
    if (filter.keyword) {
      const pattern = `%${escapeLike(filter.keyword)}%`;
      q = q.where((eb) =>
        eb.or([
          this.h.dialect.ilike('username', pattern),
          this.h.dialect.ilike('display_name', pattern),
          this.h.dialect.ilike('email', pattern),
        ]),
      );
    }
    const [items, total] = await Promise.all([
      q.select(USER_PUBLIC_COLUMNS).orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(total.n) };
  }

  /**
   * Atomic quota change. `subtract` only succeeds while the balance covers it (a conditional UPDATE,
   * no read-then-write). Returns [old, new] or null when the user is gone or the balance is short.
   */
  async changeQuota(
    id: number,
    mode: 'add' | 'subtract' | 'override',
    value: number,
  ): Promise<[number, number] | null> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('users')
        .select('quota')
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!before) return null;
      let q = trx.updateTable('users').where('id', '=', id);
      if (mode === 'add') q = q.set((eb) => ({ quota: eb('quota', '+', value) }));
      else if (mode === 'subtract')
        q = q.set((eb) => ({ quota: eb('quota', '-', value) })).where('quota', '>=', value);
      else q = q.set({ quota: value });
      const res = await q.executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0 && mode !== 'override') return null;
      const after = await trx
        .selectFrom('users')
        .select('quota')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const old =
        mode === 'override' ? Number(before.quota) : Number(after.quota) - (mode === 'add' ? value : -value);
      return [old, Number(after.quota)];
    });
  }
}
