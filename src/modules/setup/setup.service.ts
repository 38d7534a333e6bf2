import type { Kysely } from 'kysely';
import type { MainDatabase } from '../../db/schema.ts';
import { badRequest, conflict } from '../../http/errors.ts';
import { hashAccessToken } from '../users/password.ts';
import type { UsersRepo } from '../users/users.repo.ts';
import { ROLE } from '../users/users.schema.ts';
import type { UsersService } from '../users/users.service.ts';

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
    private readonly databaseType: string,
    private readonly usersRepo: UsersRepo,
    private readonly users: UsersService,
    private readonly version: string,
  ) {}

  async status(): Promise<SetupStatus> {
    if (!this.done)
      this.done = (await this.db.selectFrom('setup').select('id').executeTakeFirst()) !== undefined;
    const rootInit = this.done || (await this.usersRepo.countRoots()) > 0;
    return { status: this.done, root_init: rootInit, database_type: this.databaseType };
  }

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
    if ((await this.usersRepo.countRoots()) === 0) {
      const root = await this.users.create({ username: input.username, password: input.password, quota: 0 });
      await this.usersRepo.update(root.id, {
        role: ROLE.Root,
        access_token_hash: input.accessToken ? hashAccessToken(input.accessToken) : null,
      });
    }
    await this.db
      .insertInto('setup')
      .values({ version: this.version, initialized_at: Math.floor(Date.now() / 1000) })
      .execute();
    this.done = true;
  }
}
