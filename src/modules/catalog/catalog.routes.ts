import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { idParams, parse } from '../../http/params.ts';
import { modelMetaBody, modelMetaUpdateBody, vendorBody, vendorUpdateBody } from './catalog.schema.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type CatalogRoutesDeps = Pick<AppContext, 'catalog'>;

/** CONTRACT §6 vendors and model metadata (admin): descriptions, vendors and icons for /api/pricing. */
export async function catalogRoutes(app: FastifyInstance, ctx: CatalogRoutesDeps): Promise<void> {
  const { catalog } = ctx;
  const admin = { auth: 'admin' } as const;
  const id = (params: unknown) => parse(idParams, params, 'params').id;

  app.get('/api/vendors/', { config: admin }, async () => ok(await catalog.vendors()));
  app.get('/api/vendors/:id', { config: admin }, async (r) => ok(await catalog.vendor(id(r.params))));
  app.post('/api/vendors/', { config: { ...admin, schemas: { body: vendorBody } } }, async (r) =>
    ok(await catalog.createVendor(parse(vendorBody, r.body, 'body'))),
  );
  app.put('/api/vendors/', { config: { ...admin, schemas: { body: vendorUpdateBody } } }, async (r) => {
    const body = parse(vendorUpdateBody, r.body, 'body');
    return ok(await catalog.updateVendor(body.id, body));
  });
  app.delete('/api/vendors/:id', { config: admin }, async (r) => {
    await catalog.delete('vendors', id(r.params));
    return ok(null);
  });

  app.get('/api/models/meta/', { config: admin }, async () => ok(await catalog.metas()));
  app.get('/api/models/meta/:id', { config: admin }, async (r) => ok(await catalog.meta(id(r.params))));
  app.post('/api/models/meta/', { config: { ...admin, schemas: { body: modelMetaBody } } }, async (r) =>
    ok(await catalog.createMeta(parse(modelMetaBody, r.body, 'body'))),
  );
  app.put(
    '/api/models/meta/',
    { config: { ...admin, schemas: { body: modelMetaUpdateBody } } },
    async (r) => {
      const body = parse(modelMetaUpdateBody, r.body, 'body');
      return ok(await catalog.updateMeta(body.id, body));
    },
  );
  app.delete('/api/models/meta/:id', { config: admin }, async (r) => {
    await catalog.delete('model_meta', id(r.params));
    return ok(null);
  });
}
