import { createServer } from 'node:http';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabases } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { isDatabaseUnavailable } from './db/unavailable.ts';
import { coalescedStdout } from './http/log-output.ts';
import { OptionsRepo } from './modules/options/options.repo.ts';
import { connectRedis } from './redis.ts';
import { resolveSecret } from './secret.ts';

/** Process entry: config → databases → migrate → app → listen; graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tollgate: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  // migrations (index builds on big tables) and the secret, without the serving statement timeout
  const setup = openDatabases(config);
  await migrate(setup);
  try {
    config.sessionSecret = await resolveSecret(config, new OptionsRepo(setup.main), (line) =>
      console.error(`tollgate: ${line}`),
    );
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tollgate: ${err.message}`);
      await setup.close();
      process.exit(1);
    }
    throw err;
  } finally {
    await setup.close();
  }
  const dbs = openDatabases({ ...config, servingTimeoutMs: config.dbTimeoutMs });
  // Redis is an accelerator (CONTRACT §12): commands fail at once while it is away (no offline queue), the
  // client reconnects by itself, and start-up does not wait for it.
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : null;
  const { app, ctx } = await buildApp({ config, dbs, redis: redis as any, logStream: coalescedStdout() });

  // Last resort (CONTRACT §12): a dependency's stray error is logged and the process keeps serving; an
  // exception of our own leaves state unknown, so it is logged and the process exits for its supervisor.
  process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled rejection (kept serving)'));
  process.on('uncaughtException', (err) => {
    if (isDatabaseUnavailable(err) || /redis|socket/i.test(`${err?.name} ${err?.message}`)) {
      app.log.error({ err }, 'dependency error outside a request (kept serving)');
      return;
    }
    app.log.fatal({ err }, 'uncaught exception: exiting');
    process.exit(1);
  });

  let metricsServer: ReturnType<typeof createServer> | undefined;
  // METRICS_PORT (CONTRACT §11): /metrics without auth on a port of its own, for a scraper on a private network
  const metrics = ctx.metrics;
  if (config.metricsPort && metrics) {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    server.listen(config.metricsPort, config.host);
    metricsServer = server;
    app.log.info({ port: config.metricsPort }, 'metrics on their own port');
  }

  // SIGTERM (CONTRACT §12): stop accepting, give calls under way SHUTDOWN_GRACE_SECONDS, cancel the rest
  // as client aborts (billed for what was sent, logged), flush settlements and logs, exit 0.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.shutdownGraceSeconds * 1000;
    app.log.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down: finishing calls');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long: exiting without a complete flush');
      process.exit(1);
    }, graceMs + 30_000);
    force.unref();
    metricsServer?.close();
    const closing = app.close(); // stops accepting; in-flight requests finish, then onClose flushes
    const { finished, cancelled } = await ctx.relay.drain(graceMs);
    app.log.info({ finished, cancelled }, 'relay calls finished or cancelled; flushing');
    app.server.closeIdleConnections();
    // a client that does not read the end of its cancelled stream does not hold the shutdown
    setTimeout(() => app.server.closeAllConnections(), 2000).unref();
    await closing;
    await redis?.quit().catch(() => {});
    await dbs.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error(`tollgate: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
