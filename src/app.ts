import { createHash } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RedisClientType } from 'redis';
import { ClusterSync } from './cluster-sync.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import type { Databases } from './db/connect.ts';
import { postgresPoolOf } from './db/dialects/postgres.ts';
import { LogPartitions } from './db/log-partitions.ts';
import { EventBus } from './events.ts';
import { Authenticator } from './http/auth.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { OneLinePerRequest } from './http/log-output.ts';
import {
  fallbackRateLimitStore,
  memoryRateLimitStore,
  rateLimit,
  redisRateLimitStore,
} from './http/rate-limit.ts';
import { requestIds } from './http/request-ids.ts';
import { LogTailSync } from './log-tail-sync.ts';
import { Metrics } from './metrics.ts';
import { CatalogRepo } from './modules/catalog/catalog.repo.ts';
import { catalogRoutes } from './modules/catalog/catalog.routes.ts';
import { CatalogService } from './modules/catalog/catalog.service.ts';
import { AutoEnableJob } from './modules/channels/auto-enable.ts';
import { ChannelKeyCipher } from './modules/channels/channel-key.ts';
import { ChannelsRepo } from './modules/channels/channels.repo.ts';
import { channelsRoutes } from './modules/channels/channels.routes.ts';
import { ChannelsService } from './modules/channels/channels.service.ts';
import { createLogWriter } from './modules/logs/create-log-writer.ts';
import { LogTail } from './modules/logs/log-tail.ts';
import { LogType } from './modules/logs/log-types.ts';
import type { BatchLogWriter } from './modules/logs/log-writer.ts';
import { LogsRepo } from './modules/logs/logs.repo.ts';
import { logsRoutes } from './modules/logs/logs.routes.ts';
import { LogsService } from './modules/logs/logs.service.ts';
import { RetentionJob } from './modules/logs/retention.ts';
import { opsRoutes } from './modules/ops/ops.routes.ts';
import { OptionsRepo } from './modules/options/options.repo.ts';
import { optionsRoutes } from './modules/options/options.routes.ts';
import { OptionsService } from './modules/options/options.service.ts';
import { OPTION_VALIDATORS } from './modules/options/options.validators.ts';
import { PricingService } from './modules/public-info/pricing.service.ts';
import { publicInfoRoutes } from './modules/public-info/public-info.routes.ts';
import { statusRoutes } from './modules/public-info/status.routes.ts';
import { RedemptionsRepo } from './modules/redemptions/redemptions.repo.ts';
import { redemptionsRoutes } from './modules/redemptions/redemptions.routes.ts';
import { RedemptionsService } from './modules/redemptions/redemptions.service.ts';
import { SetupRepo } from './modules/setup/setup.repo.ts';
import { setupRoutes } from './modules/setup/setup.routes.ts';
import { SetupService } from './modules/setup/setup.service.ts';
import { TokenKeys } from './modules/tokens/token-keys.ts';
import { TokensRepo } from './modules/tokens/tokens.repo.ts';
import { tokensRoutes } from './modules/tokens/tokens.routes.ts';
import { TokensService } from './modules/tokens/tokens.service.ts';
import { UsageDataRepo } from './modules/usage-data/usage-data.repo.ts';
import { usageDataRoutes } from './modules/usage-data/usage-data.routes.ts';
import { UsageDataService } from './modules/usage-data/usage-data.service.ts';
import { UsersRepo } from './modules/users/users.repo.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { UsersService } from './modules/users/users.service.ts';
import { WEB_DIST, webRoutesFrom } from './modules/web/web.routes.ts';
import { cooldownEnded } from './relay/channel-health.ts';
import type { JournalTiming } from './relay/journal.ts';
import { ChannelProbe } from './relay/probe.ts';
import { relayRoutes } from './relay/relay.routes.ts';
import { RelayService } from './relay/relay.service.ts';
import { UpstreamClient } from './relay/upstream.ts';

export const VERSION = '0.1.0';

export interface AppDeps {
  config: Config;
  dbs: Databases;
  redis?: RedisClientType<any, any, any, any, any> | null;
  /** the console's production build to serve at `/` (default web/dist; the browser test builds its own) */
  webDist?: string;
  /** slow-client limits (ms); tests shorten them */
  timeouts?: Partial<typeof CLIENT_TIMEOUTS>;
  /** the reservation journal's heartbeat and orphan bound (tests shorten them) */
  journal?: Partial<JournalTiming>;
  /** where the server log goes (default: stdout, a write per line; main.ts passes coalescedStdout()); tests read it */
  logStream?: { write(line: string): void };
}

/**
 * Slow clients (CONTRACT §10): the headers must arrive within 15 s and the whole request (body included)
 * within 60 s; an idle keep-alive connection closes after 72 s (longer than the usual load balancer's
 * 60 s). Node checks these every `checkMs`. Answers may take as long as the upstream needs.
 */
const CLIENT_TIMEOUTS = { headersMs: 15_000, requestMs: 60_000, keepAliveMs: 72_000, checkMs: 1_000 };

/** Strips secrets that may ride in a query string (`/api/log/token?key=sk-…`) before a URL is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:key|token|access_token)=)[^&]*/gi, '$1[redacted]');
}

/**
 * TRUST_PROXY for Fastify. A hop count N trusts the N nearest hops (the socket peer is hop 0), so the
 * client address is the entry N places from the right of X-Forwarded-For; entries a client wrote
 * further left are ignored. (Fastify itself trusts nothing for a bare number.)
 */
function trustProxyOption(
  tp: Config['trustProxy'],
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  if (typeof tp === 'number') return (_addr, hop) => hop < tp;
  return tp;
}

/** Builds the whole app on open, migrated databases. Tests call it without a port. */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const { config, dbs } = deps;
  const timeouts = { ...CLIENT_TIMEOUTS, ...deps.timeouts };
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            ...(deps.logStream ? { stream: deps.logStream } : {}),
            serializers: {
              req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
            },
          },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 1024 * 1024,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkMs },
    requestIdHeader: false,
    genReqId: requestIds(),
    logController: new OneLinePerRequest(),
  });

  const events = new EventBus();
  const optionsRepo = new OptionsRepo(dbs.main);
  const options = new OptionsService(optionsRepo, OPTION_VALIDATORS);
  await options.load();
  const sync = new ClusterSync({ options, events, redis: deps.redis ?? null, log: app.log });
  await sync.start();
  let writerForMetrics: BatchLogWriter | undefined;
  const metrics =
    config.metricsToken || config.metricsPort
      ? new Metrics({
          logQueue: () => writerForMetrics?.queued ?? 0,
          pools: () =>
            (dbs.separateLogDb
              ? ([
                  ['main', dbs.main.db],
                  ['logs', dbs.logs.db],
                ] as const)
              : ([['main', dbs.main.db]] as const)
            ).flatMap(([db, k]) => {
              const p = postgresPoolOf(k);
              return p ? [{ db, used: p.totalCount - p.idleCount, waiting: p.waitingCount }] : [];
            }),
        })
      : null;
  const channelsRepo = new ChannelsRepo(dbs.main);
  // admins' tails show channel names as the list does (one lookup per committed batch while one watches)
  const logTail = new LogTail((ids) => channelsRepo.namesByIds(ids));
  const tailSync = new LogTailSync({ tail: logTail, redis: deps.redis ?? null, log: app.log });
  const logWriter = createLogWriter({
    tail: tailSync,
    logs: dbs.logs,
    options,
    log: app.log,
    spoolPath: config.logSpoolPath,
    onBatch: metrics ? (rows, seconds) => metrics.logBatchWritten(rows, seconds) : undefined,
  });
  writerForMetrics = logWriter;
  // rows an earlier process could not store at shutdown (in the background: the database may be away)
  const logsReplayed = logWriter
    .replaySpool()
    .catch((err) => app.log.error({ err }, 'log spool replay failed; kept for the next start'));
  const usersRepo = new UsersRepo(dbs.main);
  const users = new UsersService(usersRepo, options, logWriter, events);
  const setup = new SetupService(new SetupRepo(dbs.main), usersRepo, VERSION);
  const redis = deps.redis ?? null;
  // resolved by main.ts (secret.ts): from the environment or a file, never from the database
  const secret = config.sessionSecret;
  if (secret.length < 16) throw new Error('buildApp needs config.sessionSecret (see resolveSecret)');
  const tokensRepo = new TokensRepo(dbs.main);
  // one upstream client (keep-alive pools) for relayed calls and the channel test alike
  const upstream = new UpstreamClient();
  const probe = new ChannelProbe(upstream, (id) => events.emit('cooldown', cooldownEnded(id)));
  const catalogRepo = new CatalogRepo(dbs.main);
  const channels = new ChannelsService({
    repo: channelsRepo,
    cipher: new ChannelKeyCipher(config.channelKeySecret || secret),
    events,
    probe: (c, model) => probe.probe(c, model),
    fetchModels: (c) => probe.fetchModels(c),
    onKeyError: (channelId) =>
      app.log.error(
        { channelId },
        'channel key cannot be decrypted (was CHANNEL_KEY_SECRET changed?); channel skipped',
      ),
  });
  const tokens = new TokensService(
    tokensRepo,
    options,
    events,
    new TokenKeys(config.channelKeySecret || secret),
  );
  const sealed = await tokens.sealPlainKeys();
  if (sealed > 0) app.log.info({ sealed }, 'token keys converted to hashed + encrypted storage');
  const relay = new RelayService({
    upstream,
    main: dbs.main,
    logs: dbs.logs,
    journal: deps.journal,
    metrics,
    tokens,
    users: usersRepo,
    channels,
    options,
    logWriter,
    events,
    log: app.log,
    quotaSpoolPath: config.quotaSpoolPath,
  });
  const replayed = await relay.start(logsReplayed);
  if (replayed > 0) app.log.warn({ batches: replayed }, 'spooled settlements written');
  const usageRepo = new UsageDataRepo(dbs.logs);
  // PostgreSQL: logs by week (the weeks ahead made before the first call); a table from before this
  // release keeps working unpartitioned until `npm run logs:partition` moves it
  const partitions = new LogPartitions(dbs.logs);
  if (dbs.logs.dialect.kind === 'postgres') {
    if (await partitions.active())
      // a failure is not fatal: rows wait in the default partition until the hourly upkeep succeeds
      await partitions.maintain().catch((err) => app.log.error({ err }, 'log partition upkeep failed'));
    else
      app.log.warn(
        'logs are not partitioned yet: run `npm run logs:partition` (copies them in batches while the server runs) so that retention and DELETE /api/log/ drop whole weeks',
      );
  }
  const logs = new LogsService(new LogsRepo(dbs.logs), usageRepo, channels, options, usersRepo, partitions);
  const retention = new RetentionJob({ logs, options, redis, log: app.log, partitions });
  const autoEnable = new AutoEnableJob({
    channels,
    options,
    log: app.log,
    systemLog: (channelId, content) =>
      logWriter.write({ type: LogType.System, user_id: 0, username: '', channel_id: channelId, content }),
  });
  const ctx: AppContext = {
    config,
    dbs,
    redis,
    rateLimits: redis
      ? fallbackRateLimitStore(redisRateLimitStore(redis), memoryRateLimitStore(), (down, err) =>
          down
            ? app.log.warn({ err }, 'Redis unavailable: rate limits count per instance until it is back')
            : app.log.info('Redis is back: rate limits are shared again'),
        )
      : memoryRateLimitStore(),
    events,
    auth: new Authenticator(usersRepo),
    options,
    logWriter,
    usersRepo,
    users,
    setup,
    tokens,
    redemptions: new RedemptionsService({
      repo: new RedemptionsRepo(dbs.main),
      keys: tokens.keys,
      logWriter,
      events,
      options,
      logsInMainDatabase: !dbs.separateLogDb,
    }),
    channels,
    logs,
    logTail,
    retention,
    autoEnable,
    sync,
    usageData: new UsageDataService(usageRepo, usersRepo),
    catalog: new CatalogService(catalogRepo, events),
    pricing: new PricingService(channelsRepo, catalogRepo, options, events),
    relay,
    metrics,
    startTime: Math.floor(Date.now() / 1000),
    version: VERSION,
    routes: [],
    documented: [],
  };

  if (config.initialRoot && !(await setup.status()).status) {
    await setup.run({
      username: config.initialRoot.username,
      password: config.initialRoot.password,
      accessToken: config.initialRoot.accessToken || undefined,
    });
    app.log.info({ username: config.initialRoot.username }, 'root user created from the environment');
  }

  await app.register(fastifyCookie);
  await app.register(fastifySecureSession, {
    key: createHash('sha256').update(`tollgate-session:${secret}`).digest(),
    cookieName: 'session',
    // Secure when the request came over HTTPS (directly, or per the trusted proxy's X-Forwarded-Proto)
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 30 * 24 * 3600 },
  });
  installErrorHandler(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  if (metrics)
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 429) metrics.refused(request.routeOptions.url ?? 'unmatched');
    });
  if (config.globalApiRateLimit > 0) {
    const limit = rateLimit(ctx.rateLimits, {
      name: 'global',
      max: config.globalApiRateLimit,
      windowSec: 60,
    });
    // By the route matched (`//api/status` reaches /api/status), else by the path with its slashes
    // collapsed: no spelling of a path escapes the limit (CONTRACT §10).
    app.addHook('onRequest', async (request) => {
      const path = request.routeOptions.url ?? request.url.split('?')[0].replace(/\/{2,}/g, '/');
      if (path.startsWith('/api/')) await limit(request);
    });
  }
  app.decorateRequest('user', null);
  // Every /api route must declare who may call it; the list also feeds the auth-matrix test.
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    if (route.url.startsWith('/v1/') || route.url.startsWith('/v1beta/'))
      ctx.documented.push({
        method: String(route.method),
        url: route.url,
        auth: 'token',
        schemas: route.config?.schemas,
      });
    if (!route.url.startsWith('/api/')) return;
    const auth = route.config?.auth;
    if (auth === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.auth level`);
    ctx.routes.push({ method: String(route.method), url: route.url, auth });
    ctx.documented.push({
      method: String(route.method),
      url: route.url,
      auth,
      schemas: route.config?.schemas,
    });
  });
  app.addHook('onRequest', ctx.auth.hook());
  retention.start();
  autoEnable.start();
  // a user changed (logout, disabling, deletion): their live tails re-check their access
  events.on('user', (id) => {
    if (id !== 0 && logTail.size > 0) void logTail.recheck(id);
  });
  // before the server stops taking connections: open tails would keep it waiting
  app.addHook('preClose', async () => {
    logTail.closeAll();
    await tailSync.stop();
  });
  app.addHook('onClose', async () => {
    await retention.stop();
    await autoEnable.stop();
    await sync.stop();
    await ctx.relay.close();
    await upstream.close();
    await logWriter.close();
  });

  // One line per module (each is a plugin scope of its own).
  const mount = (routes: (scope: FastifyInstance, c: AppContext) => Promise<void>) =>
    app.register(async (scope) => routes(scope, ctx));
  await mount(setupRoutes);
  await mount(statusRoutes);
  await mount(publicInfoRoutes);
  await mount(catalogRoutes);
  await mount(usersRoutes);
  await mount(optionsRoutes);
  await mount(tokensRoutes);
  await mount(channelsRoutes);
  await mount(redemptionsRoutes);
  await mount(logsRoutes);
  await mount(usageDataRoutes);
  await mount(relayRoutes);
  await mount(opsRoutes);
  await mount(webRoutesFrom(deps.webDist ?? WEB_DIST));
  return { app, ctx };
}
