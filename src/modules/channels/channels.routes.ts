import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { AppError } from '../../http/errors.ts';
import { idParams, pageOf, parse } from '../../http/params.ts';
import {
  createChannelBody,
  listChannelsQuery,
  testChannelQuery,
  updateChannelBody,
} from './channels.schema.ts';

/** SPEC §6 channels (admin). No answer ever carries a channel key. */
export async function channelsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { channels } = ctx;
  const admin = { auth: 'admin' } as const;

  app.get('/api/channel/', { config: admin }, async (request) => {
    const q = parse(listChannelsQuery, request.query, 'query');
    const page = pageOf(q);
    return ok(
      await channels.list({
        status: q.status,
        type: q.type,
        group: q.group || undefined,
        model: q.model || undefined,
        keyword: q.keyword || undefined,
        offset: page.offset,
        limit: page.pageSize,
        page: page.page,
      }),
    );
  });

  app.get('/api/channel/test/:id', { config: admin }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    const { model } = parse(testChannelQuery, request.query, 'query');
    const r = await channels.test(id, model);
    // the upstream's failure is not the caller's: 502 with the upstream's status and reason
    if (!r.ok) throw new AppError(502, `channel test failed (upstream status ${r.status}): ${r.message}`);
    return ok({ status: r.status, time: r.time, response_time: r.ms });
  });

  app.get('/api/channel/:id', { config: admin }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await channels.get(id));
  });

  app.post('/api/channel/', { config: admin }, async (request) =>
    ok(await channels.create(parse(createChannelBody, request.body, 'body'))),
  );

  app.put('/api/channel/', { config: admin }, async (request) =>
    ok(await channels.update(parse(updateChannelBody, request.body, 'body'))),
  );

  app.delete('/api/channel/:id', { config: admin }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    await channels.delete(id);
    return ok(null);
  });
}
