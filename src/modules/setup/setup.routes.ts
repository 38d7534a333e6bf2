import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { parse } from '../../http/params.ts';

const setupBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(8).max(72),
  confirmPassword: z.string().max(72).optional(),
});

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type SetupRoutesDeps = Pick<AppContext, 'setup'>;

export async function setupRoutes(app: FastifyInstance, ctx: SetupRoutesDeps): Promise<void> {
  app.get('/api/setup', { config: { auth: 'public' } }, async () => ok(await ctx.setup.status()));
  app.post('/api/setup', { config: { auth: 'public', schemas: { body: setupBody } } }, async (request) => {
    await ctx.setup.run(parse(setupBody, request.body, 'body'));
    return ok(null, 'setup complete');
  });
}
