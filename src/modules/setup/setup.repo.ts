import type { DbHandle } from '../../db/connect.ts';
import type { MainDatabase } from '../../db/schema.ts';
import { ROLE, USER_STATUS } from '../../shared/enums.ts';

/** The setup row and the root it creates (CONTRACT §6, §10). */
export class SetupRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  get engine(): string {
    return this.h.dialect.kind;
  }

  async isDone(): Promise<boolean> {
    return (await this.h.db.selectFrom('setup').select('id').executeTakeFirst()) !== undefined;
  }

  /**
   * In one transaction: the setup row (fixed id 1: of racing setups one commits, the others fail on the
   * primary key and roll back whole), then the root, unless a root already exists (e.g. imported).
   */
  async createRoot(
    root: { username: string; password: string; accessTokenHash: string | null },
    version: string,
    now: number,
  ) {
    await this.h.db.transaction().execute(async (trx) => {
      await trx.insertInto('setup').values({ id: 1, version, initialized_at: now }).execute();
      const roots = await trx
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '>=', ROLE.Root)
        .executeTakeFirstOrThrow();
      if (Number(roots.n) > 0) return;
      await this.h.dialect.insertId(trx, 'users', {
        username: root.username,
        password: root.password,
        display_name: root.username,
        email: '',
        role: ROLE.Root,
        status: USER_STATUS.Enabled,
        group: 'default',
        quota: 0,
        used_quota: 0,
        request_count: 0,
        access_token_hash: root.accessTokenHash,
        created_at: now,
        deleted_at: null,
      });
    });
  }
}
