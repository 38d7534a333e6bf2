import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';
import { badRequest, notFound, tooManyRequests } from '../../http/errors.ts';
import { pageOf, parse } from '../../http/params.ts';
import { rateLimit } from '../../http/rate-limit.ts';
import { parseKey } from '../../shared/token-key.ts';
import type { Cursor, LogFilter } from './logs.repo.ts';
import {
  adminExportQuery,
  adminListQuery,
  adminStatQuery,
  deleteQuery,
  searchQuery,
  selfExportQuery,
  selfListQuery,
  selfStatQuery,
  tokenLogsQuery,
} from './logs.schema.ts';
import type { LogsService, View } from './logs.service.ts';

interface FilterQuery {
  type?: number;
  start_timestamp?: number;
  end_timestamp?: number;
  token_name?: string;
  model_name?: string;
  group?: string;
  request_id?: string;
  username?: string;
  channel?: number;
}

const cursorOf = (c: string | undefined): Cursor | undefined => {
  if (!c) return undefined;
  const [createdAt, id] = c.split('_').map(Number);
  return { createdAt, id };
};

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type LogsRoutesDeps = Pick<AppContext, 'logs' | 'rateLimits' | 'tokens' | 'logTail'>;

/** CONTRACT §3.2: the eight log endpoints, plus CSV export. */
export async function logsRoutes(app: FastifyInstance, ctx: LogsRoutesDeps): Promise<void> {
  const logs: LogsService = ctx.logs;
  const admin = { auth: 'admin' } as const;
  const user = { auth: 'user' } as const;
  const pub = { auth: 'public' } as const;

  /** Query → filter. An admin's `username` becomes its user id (deleted users included); unknown → no rows. */
  async function filterOf(q: FilterQuery, forcedUser?: number): Promise<LogFilter> {
    let userId = forcedUser;
    if (userId === undefined && q.username) userId = await logs.userIdFor(q.username);
    return {
      userId,
      type: q.type || undefined,
      start: q.start_timestamp,
      end: q.end_timestamp,
      tokenName: q.token_name || undefined,
      modelName: q.model_name || undefined,
      group: q.group || undefined,
      requestId: q.request_id || undefined,
      channelId: forcedUser === undefined ? q.channel : undefined,
    };
  }

  app.get('/api/log/', { config: { ...admin, schemas: { query: adminListQuery } } }, async (request) => {
    const q = parse(adminListQuery, request.query, 'query');
    const page = { ...pageOf(q), cursor: cursorOf(q.cursor), ascending: q.order === 'asc' };
    return ok(await logs.list(await filterOf(q), page, 'admin'));
  });

  app.get('/api/log/self', { config: { ...user, schemas: { query: selfListQuery } } }, async (request) => {
    const q = parse(selfListQuery, request.query, 'query');
    const f = await filterOf(q, request.user!.id);
    return ok(await logs.list(f, { ...pageOf(q), cursor: cursorOf(q.cursor) }, 'user'));
  });

  /**
   * The live tail (issue 21): server-sent events of new rows matching the list filters, from the rows this
   * instance's log writer commits (one `log` event per row, in the list's shape for the view; `skipped` when
   * a slow reader lost its oldest rows). Ends when the client leaves or the session ends.
   */
  function tailOf(request: FastifyRequest, reply: FastifyReply, view: View, f: LogFilter) {
    const who = request.user!.id;
    const version = request.session?.get('id') === who ? (request.session.get('v') ?? 0) : null;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const viewer = ctx.logTail.open({
      view: view === 'user' ? 'user' : 'admin',
      filter: {
        userId: f.userId,
        type: f.type,
        tokenName: f.tokenName,
        modelName: f.modelName,
        group: f.group,
        channelId: f.channelId,
      },
      userId: who,
      stillValid: () => logs.accessStands(who, version),
      sink: { write: (c) => raw.write(c), onDrain: (l) => raw.on('drain', l), end: () => raw.end() },
    });
    raw.on('close', () => viewer.close());
  }

  app.get(
    '/api/log/stream',
    { config: { ...admin, schemas: { query: adminStatQuery } } },
    async (request, reply) => {
      const q = parse(adminStatQuery, request.query, 'query');
      tailOf(request, reply, 'admin', await filterOf(q));
    },
  );

  app.get(
    '/api/log/self/stream',
    { config: { ...user, schemas: { query: selfStatQuery } } },
    async (request, reply) => {
      const q = parse(selfStatQuery, request.query, 'query');
      tailOf(request, reply, 'user', await filterOf(q, request.user!.id));
    },
  );

  app.get('/api/log/stat', { config: { ...admin, schemas: { query: adminStatQuery } } }, async (request) => {
    const q = parse(adminStatQuery, request.query, 'query');
    return ok(await logs.stat(await filterOf(q)));
  });

  app.get(
    '/api/log/self/stat',
    { config: { ...user, schemas: { query: selfStatQuery } } },
    async (request) => {
      const q = parse(selfStatQuery, request.query, 'query');
      return ok(await logs.stat(await filterOf(q, request.user!.id)));
    },
  );

  app.get('/api/log/search', { config: { ...admin, schemas: { query: searchQuery } } }, async (request) => {
    const { keyword } = parse(searchQuery, request.query, 'query');
    return ok(await logs.search(keyword, undefined, 'admin'));
  });

  const perUserSearch = rateLimit(ctx.rateLimits, {
    name: 'log-self-search',
    max: 10,
    windowSec: 60,
    key: (request) => `u${request.user?.id ?? request.ip}`,
  });
  app.get(
    '/api/log/self/search',
    { config: { ...user, schemas: { query: searchQuery } }, preHandler: perUserSearch },
    async (request) => {
      const { keyword } = parse(searchQuery, request.query, 'query');
      return ok(await logs.search(keyword, request.user!.id, 'user'));
    },
  );

  // Public and called from other origins (a key holder's own page): CORS for any origin, per-IP limit.
  const cors = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    reply.header('Access-Control-Allow-Methods', 'GET, OPTIONS');
  };
  app.options('/api/log/token', { config: pub, onRequest: cors }, async (_request, reply) =>
    reply.code(204).send(),
  );
  app.get(
    '/api/log/token',
    {
      config: { ...pub, schemas: { query: tokenLogsQuery } },
      onRequest: cors,
      preHandler: rateLimit(ctx.rateLimits, { name: 'log-token', max: 20, windowSec: 60 }),
    },
    async (request) => {
      const q = parse(tokenLogsQuery, request.query, 'query');
      const parsed = parseKey(q.key || request.headers.authorization, undefined);
      const token = parsed && parsed.channel === null ? await ctx.tokens.findByKey(parsed.key) : undefined;
      // the key of a deleted user finds nothing either (CONTRACT §8)
      if (!token || !(await logs.userExists(token.user_id)))
        throw notFound('token not found or no permission');
      const f = { userId: token.user_id, tokenId: token.id };
      return ok((await logs.list(f, { page: 1, pageSize: 1000, offset: 0 }, 'user')).items);
    },
  );

  app.delete('/api/log/', { config: { ...admin, schemas: { query: deleteQuery } } }, async (request) => {
    const q = parse(deleteQuery, request.query, 'query');
    if (q.target_timestamp === undefined)
      throw badRequest('target timestamp is required', 'target_timestamp');
    const deleted = await logs.deleteBefore(q.target_timestamp);
    request.log.info({ deleted, before: q.target_timestamp, by: request.user!.id }, 'logs deleted');
    return ok(deleted);
  });

  // Exports are long: one at a time per user, a few per instance (429 otherwise, before any work).
  const running = new Set<number>();
  const MAX_EXPORTS = 4;
  const exportSlot = (request: FastifyRequest): (() => void) => {
    const id = request.user!.id;
    if (running.has(id)) throw tooManyRequests('an export of yours is still running: wait for it to finish');
    if (running.size >= MAX_EXPORTS) throw tooManyRequests('too many exports are running: try again shortly');
    running.add(id);
    let released = false; // released once: a second release must not free the next export's slot
    return () => {
      if (released) return;
      released = true;
      running.delete(id);
    };
  };

  const sendCsv = (
    request: FastifyRequest,
    reply: FastifyReply,
    rows: () => AsyncGenerator<string>,
    who: View,
  ) => {
    const release = exportSlot(request);
    async function* guarded() {
      try {
        yield* rows();
      } finally {
        release();
      }
    }
    const body = Readable.from(guarded(), { highWaterMark: 1 });
    body.once('close', release); // a client that leaves early: the generator is never resumed
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-');
    reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header(
        'Content-Disposition',
        `attachment; filename="tollgate-${who === 'admin' ? 'logs' : 'my-logs'}-${stamp}.csv"`,
      )
      .header('Cache-Control', 'no-store');
    return reply.send(body);
  };

  app.get(
    '/api/log/export',
    { config: { ...admin, schemas: { query: adminExportQuery } } },
    async (request, reply) => {
      const q = parse(adminExportQuery, request.query, 'query');
      const f = await filterOf(q);
      return sendCsv(request, reply, () => logs.csv(f, 'admin', q.bom === '1'), 'admin');
    },
  );

  app.get(
    '/api/log/self/export',
    { config: { ...user, schemas: { query: selfExportQuery } } },
    async (request, reply) => {
      const q = parse(selfExportQuery, request.query, 'query');
      const f = await filterOf(q, request.user!.id);
      return sendCsv(request, reply, () => logs.csv(f, 'user', q.bom === '1'), 'user');
    },
  );
}
