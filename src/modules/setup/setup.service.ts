import type { Kysely } from 'kysely';
import type { SqlDialect } from '../../db/dialects/types.ts';
import type { MainDatabase } from '../../db/schema.ts';
import { badRequest, conflict } from '../../http/errors.ts';
import { hashAccessToken, hashPassword } from '../users/password.ts';
import type { UsersRepo } from '../users/users.repo.ts';
import { ROLE } from '../users/users.schema.ts';

export interface SetupStatus {
  status: boolean;
  root_init: boolean;
  database_type: string;
}

/** First-run setup: one root user, created once (by POST /api/setup or from the environment). */
export class SetupService {
  private done = false;

  constructor(
    private readonly db: Kysely<MainDatabase>,
    private readonly dialect: SqlDialect,
    private readonly usersRepo: UsersRepo,
    private readonly version: string,
  ) {}

  async status(): Promise<SetupStatus> {
    if (!this.done)
      this.done = (await this.db.selectFrom('setup').select('id').executeTakeFirst()) !== undefined;
    const rootInit = this.done || (await this.usersRepo.countRoots()) > 0;
    return { status: this.done, root_init: rootInit, database_type: this.dialect.kind };
  }

  /**
   * Creates the root user once, under any concurrency (CONTRACT §10): the setup row (fixed id 1) is written
   * first in the same transaction as the root, so of racing requests one commits and the others fail on
   * the primary key and roll back whole.
   */
  async run(input: {
    username: string;
    password: string;
    confirmPassword?: string;
    accessToken?: string;
  }): Promise<void> {
    if ((await this.status()).status) throw conflict('system is already set up');
    if (input.confirmPassword !== undefined && input.confirmPassword !== input.password) {
      throw badRequest('confirmPassword does not match password', 'confirmPassword');
    }
    const password = await hashPassword(input.password);
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('setup').values({ id: 1, version: this.version, initialized_at: now }).execute();
        const roots = await trx
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('role', '>=', ROLE.Root)
          .executeTakeFirstOrThrow();
        if (Number(roots.n) > 0) return; // a root already exists (e.g. imported): setup only records itself
        await this.dialect.insertId(trx, 'users', {
          username: input.username,
          password,
          display_name: input.username,
          email: '',
          role: ROLE.Root,
          status: 1,
          group: 'default',
          quota: 0,
          used_quota: 0,
          request_count: 0,
          access_token_hash: input.accessToken ? hashAccessToken(input.accessToken) : null,
          created_at: now,
          deleted_at: null,
        });
      });
    } catch (err) {
      this.done = false;
      if ((await this.status()).status) throw conflict('system is already set up');
      throw err;
    }
    this.done = true;
  }
}
