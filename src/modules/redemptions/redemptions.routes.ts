import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { idParams, pageOf, parse } from '../../http/params.ts';
import { rateLimit } from '../../http/rate-limit.ts';
import {
  createRedemptionBody,
  listRedemptionsQuery,
  redeemBody,
  updateRedemptionBody,
  updateRedemptionQuery,
} from './redemptions.schema.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type RedemptionsRoutesDeps = Pick<AppContext, 'rateLimits' | 'redemptions'>;

/** CONTRACT §6 redemption codes, on New API's paths: admins manage them, a user redeems one. */
export async function redemptionsRoutes(app: FastifyInstance, ctx: RedemptionsRoutesDeps): Promise<void> {
  const { redemptions } = ctx;
  const admin = { auth: 'admin' } as const;

  const list = async (query: unknown) => {
    const q = parse(listRedemptionsQuery, query, 'query');
    const page = pageOf(q);
    const status = q.status === 'expired' ? 'expired' : q.status === undefined ? undefined : Number(q.status);
    return ok(
      await redemptions.list(
        { keyword: q.keyword || undefined, status, offset: page.offset, limit: page.pageSize },
        page.page,
      ),
    );
  };
  app.get('/api/redemption/', { config: { ...admin, schemas: { query: listRedemptionsQuery } } }, (request) =>
    list(request.query),
  );
  app.get(
    '/api/redemption/search',
    { config: { ...admin, schemas: { query: listRedemptionsQuery } } },
    (request) => list(request.query),
  );

  app.get('/api/redemption/:id', { config: { ...admin, schemas: { params: idParams } } }, async (request) => {
    const { id } = parse(idParams, request.params, 'params');
    return ok(await redemptions.get(id));
  });

  app.post(
    '/api/redemption/',
    { config: { ...admin, schemas: { body: createRedemptionBody } } },
    async (request) =>
      ok(await redemptions.create(request.user!.id, parse(createRedemptionBody, request.body, 'body'))),
  );

  app.put(
    '/api/redemption/',
    { config: { ...admin, schemas: { query: updateRedemptionQuery, body: updateRedemptionBody } } },
    async (request) => {
      const { status_only } = parse(updateRedemptionQuery, request.query, 'query');
      const body = parse(updateRedemptionBody, request.body, 'body');
      return ok(await redemptions.update(body, !!status_only && status_only !== 'false'));
    },
  );

  // a named sub-path before `/:id`
  app.delete('/api/redemption/invalid', { config: admin }, async () => ok(await redemptions.deleteInvalid()));

  app.delete(
    '/api/redemption/:id',
    { config: { ...admin, schemas: { params: idParams } } },
    async (request) => {
      const { id } = parse(idParams, request.params, 'params');
      await redemptions.delete(id);
      return ok(null);
    },
  );

  // per user, like login's per-address limit: a code is 128 random bits, but nobody needs 10 tries a minute
  const perUser = rateLimit(ctx.rateLimits, {
    name: 'topup',
    max: 10,
    windowSec: 60,
    key: (request) => String(request.user?.id ?? request.ip),
  });
  app.post(
    '/api/user/topup',
    { config: { auth: 'user', schemas: { body: redeemBody } }, preHandler: perUser },
    async (request) => {
      const { key } = parse(redeemBody, request.body, 'body');
      return ok(await redemptions.redeem(request.user!, key));
    },
  );
}
