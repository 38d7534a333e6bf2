import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { AppError } from '../../http/errors.ts';
import { idParams, pageOf, parse } from '../../http/params.ts';
import { inferVendor } from '../catalog/vendor-infer.ts';
import {
  batchDeleteBody,
  batchStatusBody,
  batchTagBody,
  createChannelBody,
  editTagBody,
  fetchModelsBody,
  listChannelsQuery,
  tagBody,
  testChannelQuery,
  updateChannelBody,
} from './channels.schema.ts';
import { UpstreamModelsError } from './channels.service.ts';

/** An upstream that cannot list its models is not the caller's fault: 502 saying why. */
async function upstreamList(fetch: () => Promise<string[]>): Promise<string[]> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof UpstreamModelsError)
      throw new AppError(502, `could not fetch the upstream's model list: ${err.message}`);
    throw err;
  }
}

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type ChannelsRoutesDeps = Pick<AppContext, 'channels' | 'options' | 'relay'>;

/** CONTRACT §6 channels (admin). No answer ever carries a channel key. */
export async function channelsRoutes(app: FastifyInstance, ctx: ChannelsRoutesDeps): Promise<void> {
  const { channels } = ctx;
  const admin = { auth: 'admin' } as const;

  app.get(
    '/api/channel/',
    { config: { ...admin, schemas: { query: listChannelsQuery } } },
    async (request) => {
      const q = parse(listChannelsQuery, request.query, 'query');
      const page = pageOf(q);
      const list = await channels.list({
        status: q.status,
        type: q.type,
        group: q.group || undefined,
        model: q.model || undefined,
        keyword: q.keyword || undefined,
        tag: q.tag || undefined,
        offset: page.offset,
        limit: page.pageSize,
        page: page.page,
      });
      // with the relay's view of each one's recent failures (failures in a row, cooling down until)
      const health = ctx.relay.pipeline.health;
      return ok({ ...list, items: list.items.map((c) => ({ ...c, ...health.state(c.id) })) });
    },
  );

  app.get(
    '/api/channel/test/:id',
    { config: { ...admin, schemas: { params: idParams, query: testChannelQuery } } },
    async (request) => {
      const { id } = parse(idParams, request.params, 'params');
      const { model } = parse(testChannelQuery, request.query, 'query');
      const r = await channels.test(id, model);
      // the upstream's failure is not the caller's: 502 with the upstream's status and reason
      if (!r.ok) throw new AppError(502, `channel test failed (upstream status ${r.status}): ${r.message}`);
      return ok({ status: r.status, time: r.time, response_time: r.ms });
    },
  );

  // Named sub-paths, declared before the `/:id` routes (CONTRACT §9: New API's channel editor calls them)

  /** Model suggestions for the editor: every model priced or listed anywhere (New API: its catalogue). */
  app.get('/api/channel/models', { config: admin }, async () => {
    const o = ctx.options;
    const names = new Set<string>([
      ...Object.keys(o.json<Record<string, number>>('ModelRatio') ?? {}),
      ...Object.keys(o.json<Record<string, number>>('ModelPrice') ?? {}),
      ...(await channels.listedModels()),
    ]);
    const ids = [...names].sort();
    return ok(ids.map((id) => ({ id, object: 'model', created: 0, owned_by: inferVendor(id) ?? 'custom' })));
  });

  /** Models at least one enabled channel serves (New API's pricing editors read it). */
  app.get('/api/channel/models_enabled', { config: admin }, async () => ok(await channels.servedModels()));

  /** What the channel's upstream lists at GET /v1/models, with the channel's key. */
  app.get(
    '/api/channel/fetch_models/:id',
    { config: { ...admin, schemas: { params: idParams } } },
    async (request) => {
      const { id } = parse(idParams, request.params, 'params');
      return ok(await upstreamList(() => channels.upstreamModels(id)));
    },
  );

  /** The same for an upstream not saved yet (root only: it sends a key the caller typed anywhere). */
  app.post(
    '/api/channel/fetch_models',
    { config: { auth: 'root', schemas: { body: fetchModelsBody } } },
    async (request) => {
      const body = parse(fetchModelsBody, request.body, 'body');
      return ok(await upstreamList(() => channels.upstreamModelsOf(body)));
    },
  );

  app.get('/api/channel/:id', { config: { ...admin, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await channels.get(id));
  });

  app.post('/api/channel/', { config: { ...admin, schemas: { body: createChannelBody } } }, async (request) =>
    ok(await channels.create(parse(createChannelBody, request.body, 'body'))),
  );

  app.put('/api/channel/', { config: { ...admin, schemas: { body: updateChannelBody } } }, async (request) =>
    ok(await channels.update(parse(updateChannelBody, request.body, 'body'))),
  );

  app.post(
    '/api/channel/copy/:id',
    { config: { ...admin, schemas: { params: idParams } } },
    async (request) => {
      const { id } = parse(idParams, request.params, 'params');
      return ok(await channels.copy(id));
    },
  );

  // batch actions (issue 21): one request, one transaction, whatever the number of channels
  app.post(
    '/api/channel/batch',
    { config: { ...admin, schemas: { body: batchDeleteBody } } },
    async (request) => {
      const { ids } = parse(batchDeleteBody, request.body, 'body');
      return ok(await channels.deleteMany(ids));
    },
  );
  app.put(
    '/api/channel/batch/status',
    { config: { ...admin, schemas: { body: batchStatusBody } } },
    async (request) => {
      const { ids, status } = parse(batchStatusBody, request.body, 'body');
      return ok(await channels.setStatusMany(ids, status));
    },
  );

  app.post(
    '/api/channel/batch/tag',
    { config: { ...admin, schemas: { body: batchTagBody } } },
    async (request) => {
      const { ids, tag } = parse(batchTagBody, request.body, 'body');
      return ok(await channels.setTagMany(ids, tag));
    },
  );

  // tags (New API's routes): every channel with the tag at once
  for (const [path, status] of [
    ['/api/channel/tag/enabled', 1],
    ['/api/channel/tag/disabled', 2],
  ] as const)
    app.post(path, { config: { ...admin, schemas: { body: tagBody } } }, async (request) => {
      const { tag } = parse(tagBody, request.body, 'body');
      return ok(await channels.setTagStatus(tag, status));
    });
  app.put('/api/channel/tag', { config: { ...admin, schemas: { body: editTagBody } } }, async (request) =>
    ok(await channels.editTag(parse(editTagBody, request.body, 'body'))),
  );
  app.get(
    '/api/channel/tag/models',
    { config: { ...admin, schemas: { query: tagBody } } },
    async (request) => {
      const { tag } = parse(tagBody, request.query, 'query');
      return ok(await channels.tagModels(tag));
    },
  );

  app.delete('/api/channel/:id', { config: { ...admin, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    await channels.delete(id);
    return ok(null);
  });
}
