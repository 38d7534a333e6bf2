import { badRequest, conflict } from '../../http/errors.ts';
import { hashAccessToken, hashPassword } from '../users/password.ts';
import type { UsersRepo } from '../users/users.repo.ts';
import type { SetupRepo } from './setup.repo.ts';

export interface SetupStatus {
  status: boolean;
  root_init: boolean;
  database_type: string;
}

/** First-run setup: one root user, created once (by POST /api/setup or from the environment). */
export class SetupService {
  private done = false;

  constructor(
    private readonly repo: SetupRepo,
    private readonly usersRepo: UsersRepo,
    private readonly version: string,
  ) {}

  async status(): Promise<SetupStatus> {
    if (!this.done) this.done = await this.repo.isDone();
    const rootInit = this.done || (await this.usersRepo.countRoots()) > 0;
    return { status: this.done, root_init: rootInit, database_type: this.repo.engine };
  }

  /** Creates the root user once, under any concurrency (CONTRACT §10; see SetupRepo.createRoot). */
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
      await this.repo.createRoot(
        {
          username: input.username,
          password,
          accessTokenHash: input.accessToken ? hashAccessToken(input.accessToken) : null,
        },
        this.version,
        now,
      );
    } catch (err) {
      this.done = false;
      if ((await this.status()).status) throw conflict('system is already set up');
      throw err;
    }
    this.done = true;
  }
}
