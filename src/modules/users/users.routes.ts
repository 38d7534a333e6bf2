import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { forbidden } from '../../http/errors.ts';
import { idParams, pageOf, parse } from '../../http/params.ts';
import { rateLimit } from '../../http/rate-limit.ts';
import { groupsWithRatios, usableGroups } from './groups.ts';
import {
  createUserBody,
  listUsersQuery,
  loginBody,
  manageBody,
  manageManyBody,
  registerBody,
  updateSelfBody,
  updateUserBody,
  userModelsQuery,
} from './users.schema.ts';
import { sessionView } from './users.service.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type UsersRoutesDeps = Pick<AppContext, 'channels' | 'options' | 'rateLimits' | 'users' | 'usersRepo'>;

export async function usersRoutes(app: FastifyInstance, ctx: UsersRoutesDeps): Promise<void> {
  const { users } = ctx;
  const user = { auth: 'user' } as const;
  const admin = { auth: 'admin' } as const;
  const pub = { auth: 'public' } as const;
  const perIp = (name: string) => rateLimit(ctx.rateLimits, { name, max: 10, windowSec: 60 });

  app.post(
    '/api/user/register',
    { config: { ...pub, schemas: { body: registerBody } }, preHandler: perIp('register') },
    async (request) => {
      const created = await users.register(parse(registerBody, request.body, 'body'));
      return ok(sessionView(created));
    },
  );

  app.post(
    '/api/user/login',
    { config: { ...pub, schemas: { body: loginBody } }, preHandler: perIp('login') },
    async (request) => {
      const body = parse(loginBody, request.body, 'body');
      const u = await users.login(body.username, body.password);
      request.session.set('id', u.id);
      request.session.set('v', u.session_version);
      return ok(sessionView(u));
    },
  );

  // Logging out ends every session of the user, on every instance (CONTRACT §10), when the cookie is valid.
  app.get('/api/user/logout', { config: pub }, async (request) => {
    const id = request.session.get('id');
    const user = id === undefined ? undefined : await ctx.usersRepo.findAuthById(id);
    if (user && (request.session.get('v') ?? 0) === user.session_version) await users.endSessions(user.id);
    request.session.delete();
    return ok(null);
  });

  app.get('/api/user/self', { config: user }, async (request) => ok(await users.get(request.user!.id)));

  // New API's pickers (CONTRACT §9): named sub-paths, declared before `/api/user/:id`
  app.get('/api/user/self/groups', { config: user }, async (request) =>
    ok(groupsWithRatios(ctx.options, request.user!.group)),
  );
  app.get('/api/user/groups', { config: pub }, async () => ok(groupsWithRatios(ctx.options, null)));

  /** Models the caller may call: served by an enabled channel in a group they may use (or in `group`). */
  app.get(
    '/api/user/models',
    { config: { ...user, schemas: { query: userModelsQuery } } },
    async (request) => {
      const { group } = parse(userModelsQuery, request.query, 'query');
      const usable = Object.keys(usableGroups(ctx.options, request.user!.group));
      const groups = group === undefined ? usable : usable.filter((g) => g === group);
      return ok(await ctx.channels.servedModels(groups));
    },
  );

  /** Every group with a ratio (option GroupRatio), for admins' group pickers. */
  app.get('/api/group/', { config: admin }, async () =>
    ok(Object.keys(ctx.options.json<Record<string, number>>('GroupRatio') ?? {}).sort()),
  );

  app.put('/api/user/self', { config: { ...user, schemas: { body: updateSelfBody } } }, async (request) =>
    ok(await users.updateSelf(request.user!.id, parse(updateSelfBody, request.body, 'body'))),
  );

  app.get('/api/user/token', { config: user }, async (request) =>
    ok(await users.newAccessToken(request.user!.id)),
  );

  app.get('/api/user/', { config: { ...admin, schemas: { query: listUsersQuery } } }, async (request) => {
    const q = parse(listUsersQuery, request.query, 'query');
    return ok(await users.list({ keyword: q.keyword, ...pageOf(q) }));
  });

  app.get('/api/user/:id', { config: { ...admin, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await users.get(id));
  });

  app.post('/api/user/', { config: { ...admin, schemas: { body: createUserBody } } }, async (request) => {
    const body = parse(createUserBody, request.body, 'body');
    if ((body.role ?? 1) >= request.user!.role)
      throw forbidden('cannot create a user of your own role or higher');
    return ok(await users.create(body));
  });

  app.put('/api/user/', { config: { ...admin, schemas: { body: updateUserBody } } }, async (request) =>
    ok(await users.update(request.user!, parse(updateUserBody, request.body, 'body'))),
  );

  app.delete('/api/user/:id', { config: { ...admin, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    await users.delete(request.user!, id);
    return ok(null);
  });

  app.post('/api/user/manage', { config: { ...admin, schemas: { body: manageBody } } }, async (request) =>
    ok(await users.manage(request.user!, parse(manageBody, request.body, 'body'))),
  );
  app.post(
    '/api/user/manage/batch',
    { config: { ...admin, schemas: { body: manageManyBody } } },
    async (request) => {
      const { ids, action } = parse(manageManyBody, request.body, 'body');
      return ok(await users.manageMany(request.user!, ids, action));
    },
  );
}
