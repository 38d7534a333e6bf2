import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { parse } from '../../http/params.ts';
import { adminDataQuery, selfDataQuery } from './usage-data.schema.ts';

const OPEN = Buffer.from('{"success":true,"message":"","data":[');
const CLOSE = Buffer.from(']}');

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type UsageDataRoutesDeps = Pick<AppContext, 'usageData'>;

/** CONTRACT §4: usage per model and hour (or local day) for charts. */
export async function usageDataRoutes(app: FastifyInstance, ctx: UsageDataRoutesDeps): Promise<void> {
  const { usageData } = ctx;

  app.get(
    '/api/data/self',
    { config: { auth: 'user', schemas: { query: selfDataQuery } } },
    async (request) => {
      const q = parse(selfDataQuery, request.query, 'query');
      const me = request.user!;
      const rows = await usageData.series({ userId: me.id, tokenId: q.token_id }, q);
      return ok(rows.map((r) => ({ ...r, user_id: me.id, username: me.username })));
    },
  );

  app.get(
    '/api/data/',
    { config: { auth: 'admin', schemas: { query: adminDataQuery } } },
    async (request, reply) => {
      const q = parse(adminDataQuery, request.query, 'query');
      const filter = { tokenId: q.token_id, channelId: q.channel };
      if (!q.username && q.granularity === 'hour' && q.token_id === undefined && q.channel === undefined) {
        // the site-wide hourly chart: pre-serialised settled hours
        const rows = await usageData.siteHoursJson(q);
        return reply.type('application/json; charset=utf-8').send(Buffer.concat([OPEN, rows, CLOSE]));
      }
      if (!q.username) return ok(await usageData.series(filter, q));
      // an unknown name matches nobody (deleted users keep their statistics)
      const userId = await usageData.userIdFor(q.username);
      const rows = await usageData.series({ ...filter, userId }, q);
      return ok(rows.map((r) => ({ ...r, user_id: userId, username: q.username })));
    },
  );
}
