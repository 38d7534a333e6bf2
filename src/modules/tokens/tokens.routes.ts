import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { idParams, pageOf, parse } from '../../http/params.ts';
import {
  batchTokenStatusBody,
  batchTokensBody,
  createTokenBody,
  listTokensQuery,
  searchTokensQuery,
  updateTokenBody,
  updateTokenQuery,
} from './tokens.schema.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type TokensRoutesDeps = Pick<AppContext, 'tokens'>;

/** CONTRACT §6 tokens: every route acts on the caller's own tokens only. */
export async function tokensRoutes(app: FastifyInstance, ctx: TokensRoutesDeps): Promise<void> {
  const { tokens } = ctx;
  const user = { auth: 'user' } as const;

  app.get('/api/token/', { config: { ...user, schemas: { query: listTokensQuery } } }, async (request) => {
    const q = parse(listTokensQuery, request.query, 'query');
    return ok(await tokens.list(request.user!, pageOf(q)));
  });

  app.get(
    '/api/token/search',
    { config: { ...user, schemas: { query: searchTokensQuery } } },
    async (request) => {
      const q = parse(searchTokensQuery, request.query, 'query');
      const found = await tokens.search(request.user!, q.keyword ?? '', q.token);
      if (q.p === undefined && q.page_size === undefined) return ok(found);
      const page = pageOf(q);
      const items = found.slice(page.offset, page.offset + page.pageSize);
      return ok({ items, total: found.length, page: page.page, page_size: page.pageSize });
    },
  );

  app.get('/api/token/:id', { config: { ...user, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await tokens.get(request.user!, id));
  });

  app.post('/api/token/', { config: { ...user, schemas: { body: createTokenBody } } }, async (request) =>
    ok(await tokens.create(request.user!, parse(createTokenBody, request.body, 'body'))),
  );

  app.post('/api/token/:id/key', { config: { ...user, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await tokens.revealKey(request.user!, id));
  });

  app.put(
    '/api/token/',
    { config: { ...user, schemas: { query: updateTokenQuery, body: updateTokenBody } } },
    async (request) => {
      const q = parse(updateTokenQuery, request.query, 'query');
      const statusOnly = q.status_only === '1' || q.status_only === 'true';
      return ok(await tokens.update(request.user!, parse(updateTokenBody, request.body, 'body'), statusOnly));
    },
  );

  app.post(
    '/api/token/batch',
    { config: { ...user, schemas: { body: batchTokensBody } } },
    async (request) => {
      const { ids } = parse(batchTokensBody, request.body, 'body');
      return ok(await tokens.deleteMany(request.user!, ids));
    },
  );
  app.put(
    '/api/token/batch/status',
    { config: { ...user, schemas: { body: batchTokenStatusBody } } },
    async (request) => {
      const { ids, status } = parse(batchTokenStatusBody, request.body, 'body');
      return ok(await tokens.setStatusMany(request.user!, ids, status));
    },
  );

  app.delete('/api/token/:id', { config: { ...user, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    await tokens.delete(request.user!, id);
    return ok(null);
  });
}
