import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { badRequest } from '../../http/errors.ts';
import { parse } from '../../http/params.ts';
import { SECRET_OPTION_KEYS } from './options.defaults.ts';
import { putOptionBody } from './options.schema.ts';
import { isSettableOption } from './options.validators.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type OptionsRoutesDeps = Pick<AppContext, 'options'>;

/** CONTRACT §6 options (root). */
export async function optionsRoutes(app: FastifyInstance, ctx: OptionsRoutesDeps): Promise<void> {
  const root = { auth: 'root' } as const;

  app.get('/api/option/', { config: root }, async () =>
    ok(ctx.options.entries().filter((e) => !SECRET_OPTION_KEYS.has(e.key))),
  );

  app.put('/api/option/', { config: { ...root, schemas: { body: putOptionBody } } }, async (request) => {
    const { key, value } = parse(putOptionBody, request.body, 'body');
    if (!isSettableOption(key)) throw badRequest(`unknown option key: ${key}`, 'key');
    await ctx.options.set(key, value);
    request.log.info({ key, by: request.user!.id }, 'option changed');
    return ok({ key, value: ctx.options.get(key) });
  });
}
