import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { forbidden } from '../../http/errors.ts';
import { usableGroups } from '../users/groups.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type PublicInfoRoutesDeps = Pick<AppContext, 'channels' | 'options' | 'pricing'>;

/** CONTRACT §5: the public information module (notice, about, home page, ratios, pricing, models). */
export async function publicInfoRoutes(app: FastifyInstance, ctx: PublicInfoRoutesDeps): Promise<void> {
  const pub = { auth: 'public' } as const;
  const o = ctx.options;

  app.get('/api/notice', { config: pub }, async () => ok(o.get('Notice')));
  app.get('/api/about', { config: pub }, async () => ok(o.get('About')));
  app.get('/api/home_page_content', { config: pub }, async () => ok(o.get('HomePageContent')));

  app.get('/api/ratio_config', { config: pub }, async () => {
    if (!o.bool('ExposeRatioEnabled')) throw forbidden('ratio config is not public on this server');
    return ok(ctx.pricing.ratioConfig());
  });

  // Public; a signed-in caller (cookie or access token) sees the groups it may use.
  app.get('/api/pricing', { config: { auth: 'optional' } }, async (request, reply) =>
    reply
      .type('application/json; charset=utf-8')
      .send(await ctx.pricing.pricingJson(request.user?.group ?? null)),
  );

  app.get('/api/models', { config: { auth: 'user' } }, async (request) => {
    const groups = Object.keys(usableGroups(o, request.user!.group));
    const byChannel = await ctx.channels.modelsByChannel(groups);
    return ok(Object.fromEntries([...byChannel].map(([id, models]) => [String(id), models])));
  });
}
