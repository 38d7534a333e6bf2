import { timingSafeEqual } from 'node:crypto';
import scalarReference from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { openApiDocument } from '../../http/openapi.ts';

/** A dependency check with a deadline: a frozen database answers "not ready" instead of hanging the probe. */
async function reachable(check: () => Promise<unknown>, ms = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** How long one readiness answer is reused (ms). */
const READY_TTL_MS = 1000;

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type OpsRoutesDeps = Pick<
  AppContext,
  'config' | 'dbs' | 'documented' | 'metrics' | 'redis' | 'version'
>;

/**
 * CONTRACT §11 for load balancers and monitoring, outside `/api`: `/healthz` (the process answers), `/readyz`
 * (databases and Redis reachable; 503 naming which is not) and `/metrics` (Prometheus text, behind
 * `Authorization: Bearer $METRICS_TOKEN`; 404 when no token is configured).
 */
export async function opsRoutes(app: FastifyInstance, ctx: OpsRoutesDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  // The API's contract (CONTRACT §11), generated from the routes' own zod schemas once every route is
  // registered (on first request), and a reference page rendering it (served from node_modules).
  let document: string | undefined;
  app.get('/api/openapi.json', { config: { auth: 'public' } }, async (_request, reply) => {
    document ??= JSON.stringify(openApiDocument(ctx.documented, ctx.version));
    return reply.type('application/json').send(document);
  });
  await app.register(scalarReference, {
    routePrefix: '/docs',
    configuration: { url: '/api/openapi.json', title: 'Tollgate API' },
  });

  // `/readyz` is open and outside `/api`'s rate limit: one check at a time, its answer reused for a second,
  // so probes at any rate cost the databases at most one `SELECT 1` each a second (a flood cannot take
  // the connection pools the relay needs)
  const check = async (): Promise<string[]> => {
    const { dbs, redis } = ctx;
    const checks: Array<[string, () => Promise<unknown>]> = [
      ['database', () => sql`SELECT 1`.execute(dbs.main.db)],
    ];
    if (dbs.separateLogDb) checks.push(['log database', () => sql`SELECT 1`.execute(dbs.logs.db)]);
    if (redis) checks.push(['redis', () => redis.ping()]);
    return (
      await Promise.all(checks.map(async ([name, run]) => ((await reachable(run)) ? null : name)))
    ).filter((n): n is string => n !== null);
  };
  let last: { at: number; failing: Promise<string[]> } | undefined;
  app.get('/readyz', async (_request, reply) => {
    if (!last || Date.now() - last.at > READY_TTL_MS) last = { at: Date.now(), failing: check() };
    const failing = await last.failing;
    if (failing.length === 0) return { status: 'ready' };
    return reply
      .code(503)
      .send({ status: 'unavailable', failing, message: `${failing.join(', ')} unavailable` });
  });

  app.get('/metrics', async (request, reply) => {
    const token = ctx.config.metricsToken;
    if (!token || !ctx.metrics) return reply.code(404).send({ error: { message: 'not found' } });
    const auth = String(request.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice(7), token))
      return reply
        .code(401)
        .send({ error: { message: 'a valid Authorization: Bearer <METRICS_TOKEN> is required' } });
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
