import type { z } from 'zod';
import type { User } from '../../db/schema.ts';
import type { EventBus } from '../../events.ts';
import type { Page } from '../../http/envelope.ts';
import { AppError, badRequest, conflict, forbidden, notFound, unauthorized } from '../../http/errors.ts';
import { LogType, type LogWriter } from '../logs/log-types.ts';
import type { OptionsService } from '../options/options.service.ts';
import {
  hashAccessToken,
  hashPassword,
  newAccessToken,
  verifyAgainstNobody,
  verifyPassword,
} from './password.ts';
import type { PublicUser, UsersRepo } from './users.repo.ts';
import {
  type createUserBody,
  type manageBody,
  ROLE,
  type registerBody,
  USER_STATUS,
  type updateSelfBody,
  type updateUserBody,
} from './users.schema.ts';

export type SessionUser = Pick<User, 'id' | 'username' | 'display_name' | 'role' | 'status' | 'group'>;

const now = () => Math.floor(Date.now() / 1000);

export const sessionView = (u: User | PublicUser): SessionUser => ({
  id: u.id,
  username: u.username,
  display_name: u.display_name,
  role: u.role,
  status: u.status,
  group: u.group,
});

export class UsersService {
  constructor(
    private readonly repo: UsersRepo,
    private readonly options: OptionsService,
    private readonly logs: LogWriter,
    private readonly events: EventBus,
  ) {}

  /** Same message for unknown user and wrong password; "disabled" only once the password is right. */
  async login(username: string, password: string): Promise<User> {
    const user = await this.repo.findAuthByUsername(username);
    const valid = user ? await verifyPassword(password, user.password) : await verifyAgainstNobody(password);
    if (!user || !valid) throw unauthorized('invalid username or password');
    if (user.status !== USER_STATUS.Enabled) throw forbidden('user is disabled');
    return user;
  }

  async register(body: z.output<typeof registerBody>): Promise<PublicUser> {
    if (!this.options.bool('RegisterEnabled'))
      throw forbidden('registration is disabled by the administrator');
    return this.create({ ...body, role: ROLE.User, quota: this.options.int('QuotaForNewUser') });
  }

  async create(body: z.output<typeof createUserBody>): Promise<PublicUser> {
    if (await this.repo.usernameTaken(body.username)) throw conflict('username already taken');
    const id = await this.repo
      .insert({
        username: body.username,
        password: await hashPassword(body.password),
        display_name: body.display_name || body.username,
        email: body.email ?? '',
        role: body.role ?? ROLE.User,
        status: USER_STATUS.Enabled,
        group: body.group ?? 'default',
        quota: body.quota ?? 0,
        used_quota: 0,
        request_count: 0,
        access_token_hash: null,
        created_at: now(),
        deleted_at: null,
      })
      .catch(async (err) => {
        // lost a race with another registration of the same name
        if (await this.repo.usernameTaken(body.username)) throw conflict('username already taken');
        throw err;
      });
    return this.get(id);
  }

  async get(id: number): Promise<PublicUser> {
    const user = await this.repo.findById(id);
    if (!user) throw notFound('user not found');
    return user;
  }

  async list(q: {
    keyword?: string;
    page: number;
    pageSize: number;
    offset: number;
  }): Promise<Page<PublicUser>> {
    const { items, total } = await this.repo.list({
      keyword: q.keyword,
      offset: q.offset,
      limit: q.pageSize,
    });
    return { items, total, page: q.page, page_size: q.pageSize };
  }

  /** A new access token replaces the previous one; only its hash is stored. */
  async newAccessToken(userId: number): Promise<string> {
    const token = newAccessToken();
    await this.repo.update(userId, { access_token_hash: hashAccessToken(token) });
    return token;
  }

  async updateSelf(userId: number, body: z.output<typeof updateSelfBody>): Promise<PublicUser> {
    const patch: Partial<User> = {};
    if (body.username !== undefined) {
      if (await this.repo.usernameTaken(body.username, userId)) throw conflict('username already taken');
      patch.username = body.username;
    }
    if (body.password) {
      const user = await this.repo.findAuthById(userId);
      if (!user || !(await verifyPassword(body.original_password ?? '', user.password))) {
        throw badRequest('original_password is wrong', 'original_password');
      }
      patch.password = await hashPassword(body.password);
    }
    if (body.display_name !== undefined) patch.display_name = body.display_name;
    if (body.email !== undefined) patch.email = body.email;
    await this.saveUser(userId, patch, { endSessions: patch.password !== undefined });
    return this.get(userId);
  }

  /** Admin edit. An admin may only edit users below their own role; quota edits write a manage log. */
  async update(actor: SessionUser, body: z.output<typeof updateUserBody>): Promise<PublicUser> {
    const target = await this.get(body.id);
    this.assertCanManage(actor, target);
    const patch: Partial<User> = {};
    if (body.username !== undefined && body.username !== target.username) {
      if (await this.repo.usernameTaken(body.username, target.id)) throw conflict('username already taken');
      patch.username = body.username;
    }
    if (body.password) patch.password = await hashPassword(body.password);
    if (body.display_name !== undefined) patch.display_name = body.display_name;
    if (body.email !== undefined) patch.email = body.email;
    if (body.group !== undefined) patch.group = body.group;
    await this.saveUser(target.id, patch, { endSessions: patch.password !== undefined });
    if (body.quota !== undefined && body.quota !== target.quota) {
      await this.changeQuota(actor, target, 'override', body.quota);
    }
    this.events.emit('user', target.id);
    return this.get(target.id);
  }

  async manage(
    actor: SessionUser,
    body: Pick<z.output<typeof manageBody>, 'id' | 'action'> & Partial<z.output<typeof manageBody>>,
  ): Promise<unknown> {
    const target = await this.get(body.id);
    this.assertCanManage(actor, target);
    switch (body.action) {
      case 'disable':
        if (target.role >= ROLE.Root) throw forbidden('the root user cannot be disabled');
        await this.repo.update(target.id, { status: USER_STATUS.Disabled }, { endSessions: true });
        break;
      case 'enable':
        await this.repo.update(target.id, { status: USER_STATUS.Enabled });
        break;
      case 'delete':
        await this.delete(actor, target.id);
        return null;
      case 'promote':
        if (actor.role < ROLE.Root) throw forbidden('only the root user can promote users');
        if (target.role >= ROLE.Admin) throw badRequest('user is already an admin', 'action');
        await this.repo.update(target.id, { role: ROLE.Admin });
        break;
      case 'demote':
        if (actor.role < ROLE.Root) throw forbidden('only the root user can demote users');
        if (target.role >= ROLE.Root) throw forbidden('the root user cannot be demoted');
        if (target.role < ROLE.Admin) throw badRequest('user is already a plain user', 'action');
        await this.repo.update(target.id, { role: ROLE.User }, { endSessions: true });
        break;
      case 'add_quota': {
        if (body.mode === undefined) throw badRequest('mode is required', 'mode');
        if (body.value === undefined) throw badRequest('value is required', 'value');
        return this.changeQuota(actor, target, body.mode, body.value, body.remark);
      }
    }
    this.events.emit('user', target.id);
    return this.get(target.id);
  }

  /**
   * The console's batch action: enable, disable or delete several users in one request. Every target is
   * checked first (exists, below the caller's role, not root for disable/delete): one refusal names the
   * user and nothing changes. Then all are changed in one statement, as `manage` changes one (sessions
   * ended on disable and delete), and each user's caches are told.
   */
  async manageMany(actor: SessionUser, ids: readonly number[], action: 'enable' | 'disable' | 'delete') {
    const targets: PublicUser[] = [];
    for (const id of new Set(ids)) {
      const target = await this.repo.findById(id);
      if (!target) throw notFound(`user #${id} not found`);
      try {
        this.assertCanManage(actor, target);
        if (action !== 'enable' && target.role >= ROLE.Root)
          throw forbidden(`the root user cannot be ${action}d`);
      } catch (err) {
        if (err instanceof AppError)
          throw new AppError(err.status, `user "${target.username}": ${err.message}`);
        throw err;
      }
      targets.push(target);
    }
    const chosen = targets.map((t) => t.id);
    if (action === 'enable') await this.repo.updateMany(chosen, { status: USER_STATUS.Enabled });
    else if (action === 'disable')
      await this.repo.updateMany(chosen, { status: USER_STATUS.Disabled }, { endSessions: true });
    else
      await this.repo.updateMany(
        chosen,
        { deleted_at: now(), access_token_hash: null },
        { endSessions: true },
      );
    for (const id of chosen) this.events.emit('user', id);
    return targets.length;
  }

  async delete(actor: SessionUser, id: number): Promise<void> {
    const target = await this.get(id);
    this.assertCanManage(actor, target);
    if (target.role >= ROLE.Root) throw forbidden('the root user cannot be deleted');
    await this.repo.update(id, { deleted_at: now(), access_token_hash: null }, { endSessions: true });
    this.events.emit('user', id);
  }

  /** Returns the new quota; writes one manage log naming the old and new value. */
  private async changeQuota(
    actor: SessionUser,
    target: PublicUser,
    mode: 'add' | 'subtract' | 'override',
    value: number,
    remark?: string,
  ): Promise<number> {
    const result = await this.repo.changeQuota(target.id, mode, value);
    if (!result) {
      if (mode === 'subtract')
        throw badRequest('value is larger than the user quota: the quota cannot go below zero', 'value');
      throw notFound('user not found');
    }
    const [oldQuota, newQuota] = result;
    this.logs.write({
      type: LogType.Manage,
      user_id: target.id,
      username: target.username,
      content: `admin ${actor.username} changed quota from ${oldQuota} to ${newQuota} (${mode} ${value})${remark ? `: ${remark}` : ''}`,
      quota: newQuota - oldQuota,
    });
    return newQuota;
  }

  /** Ends every session of the user (logout ends them all, as CONTRACT §10 asks). */
  async endSessions(userId: number): Promise<void> {
    await this.repo.update(userId, {}, { endSessions: true });
    // what holds a session open (the live log tail) re-checks it
    this.events.emit('user', userId);
  }

  /** An update that may rename: a name taken meanwhile (the unique index) is a 409, not a 500. */
  private async saveUser(id: number, patch: Partial<User>, opts: { endSessions: boolean }): Promise<void> {
    try {
      await this.repo.update(id, patch, opts);
    } catch (err) {
      if (patch.username !== undefined && (await this.repo.usernameTaken(patch.username, id)))
        throw conflict('username already taken');
      throw err;
    }
  }

  /** Admins manage users strictly below their own role; root manages everyone. */
  private assertCanManage(actor: SessionUser, target: PublicUser): void {
    if (actor.role < ROLE.Root && target.role >= actor.role) {
      throw forbidden('no permission to manage a user of the same or a higher role');
    }
  }
}
