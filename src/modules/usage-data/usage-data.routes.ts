import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { parse } from '../../http/params.ts';
import type { UsageRow } from './usage-data.repo.ts';
import { adminDataQuery, selfDataQuery } from './usage-data.schema.ts';

const OPEN = Buffer.from('{"success":true,"message":"","data":[');
const CLOSE = Buffer.from(']}');
/** rows serialised between two turns of the event loop (about 2 ms of work) */
const SLICE = 5000;

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type UsageDataRoutesDeps = Pick<AppContext, 'usageData'>;

/** CONTRACT §4: usage per model and hour (or local day) for charts. */
export async function usageDataRoutes(app: FastifyInstance, ctx: UsageDataRoutesDeps): Promise<void> {
  const { usageData } = ctx;

  app.get(
    '/api/data/self',
    { config: { auth: 'user', schemas: { query: selfDataQuery } } },
    async (request, reply) => {
      const q = parse(selfDataQuery, request.query, 'query');
      const me = request.user!;
      const rows = await usageData.series({ userId: me.id, tokenId: q.token_id }, q);
      return sendRows(reply, rows, me.id, me.username);
    },
  );

  app.get(
    '/api/data/',
    { config: { auth: 'admin', schemas: { query: adminDataQuery } } },
    async (request, reply) => {
      const q = parse(adminDataQuery, request.query, 'query');
      const filter = { tokenId: q.token_id, channelId: q.channel };
      if (!q.username && q.granularity === 'hour' && q.token_id === undefined && q.channel === undefined) {
        // the site-wide hourly chart: pre-serialised settled hours, sent as they are (no copy per request)
        const body = [OPEN, ...(await usageData.siteHoursJson(q)), CLOSE];
        return reply
          .type('application/json; charset=utf-8')
          .header(
            'content-length',
            body.reduce((n, b) => n + b.length, 0),
          )
          .send(Readable.from(body));
      }
      if (!q.username) return ok(await usageData.series(filter, q));
      // an unknown name matches nobody (deleted users keep their statistics)
      const userId = await usageData.userIdFor(q.username);
      const rows = await usageData.series({ ...filter, userId }, q);
      return sendRows(reply, rows, userId, q.username);
    },
  );
}

/**
 * A user's rows with the user's id and name in each, written as JSON text directly: a month of a busy
 * user is thousands of rows, and copying each into a new object for JSON.stringify was a sixth of the
 * view's time (and its garbage). The fields and their order are those of `{ ...row, user_id, username }`.
 * A year by hour can be hundreds of thousands of rows: the event loop turns every `SLICE` rows.
 */
async function sendRows(reply: FastifyReply, rows: readonly UsageRow[], userId: number, username: string) {
  const tail = `,"user_id":${userId},"username":${JSON.stringify(username)}}`;
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const r = rows[i];
    parts[i] =
      `{"model_name":${JSON.stringify(r.model_name)},"created_at":${r.created_at},"count":${r.count},"quota":${r.quota},"token_used":${r.token_used}${tail}`;
  }
  return reply
    .type('application/json; charset=utf-8')
    .send(`{"success":true,"message":"","data":[${parts.join(',')}]}`);
}
