import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * Environment → validated Config, read once in main.ts and passed down. Nothing else reads process.env.
 * A bad value stops start-up with one line naming the variable (see ConfigError).
 */
const dsn = z
  .string()
  .trim()
  .refine((v) => v === '' || /^(postgres|postgresql|mysql):\/\//.test(v), {
    message: 'must be empty (SQLite), postgres://… or mysql://…',
  });

const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return Number(v);
    });

/** One IPv4/IPv6 address, optionally with a CIDR prefix length. */
function isAddressOrCidr(s: string): boolean {
  const [addr, bits, extra] = s.split('/');
  const v = isIP(addr);
  if (v === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY (CONTRACT §10): never "trust every X-Forwarded-For entry". Empty/false/0: off; a number: that
 * many proxies in front (the client is the entry that many hops from the socket; `true` means 1); else a
 * comma list of the proxies' addresses or CIDRs. null when malformed.
 */
export function parseTrustProxy(v: string): false | number | string[] | null {
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true') return 1;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 && list.every(isAddressOrCidr) ? list : null;
}

const envSchema = z.object({
  PORT: intInRange(1, 65535, 3000),
  HOST: z.string().trim().default('0.0.0.0'),
  SQL_DSN: dsn.default(''),
  SQLITE_PATH: z.string().trim().min(1).default('./data/tollgate.db'),
  LOG_SQL_DSN: dsn.default(''),
  REDIS_CONN_STRING: z
    .string()
    .trim()
    .default('')
    .refine((v) => v === '' || /^rediss?:\/\//.test(v), { message: 'must be redis://… or rediss://…' }),
  SESSION_SECRET: z
    .string()
    .default('')
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' }),
  CHANNEL_KEY_SECRET: z
    .string()
    .default('')
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' }),
  INITIAL_ROOT_USERNAME: z.string().trim().max(64).default(''),
  INITIAL_ROOT_PASSWORD: z
    .string()
    .default('')
    .refine((v) => v === '' || v.length >= 8, { message: 'must be at least 8 characters' }),
  INITIAL_ROOT_ACCESS_TOKEN: z
    .string()
    .default('')
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' }),
  GLOBAL_API_RATE_LIMIT: intInRange(0, 1_000_000, 0),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === null) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be a number of proxy hops (1 = one proxy in front) or a comma list of proxy addresses/CIDRs',
        });
        return z.NEVER;
      }
      return parsed;
    }),
  DB_TIMEOUT_MS: intInRange(100, 600_000, 5000),
  SHUTDOWN_GRACE_SECONDS: intInRange(0, 3600, 30),
  LOG_SPOOL_PATH: z.string().trim().default(''),
  // GET /metrics on the main port behind `Authorization: Bearer $METRICS_TOKEN`, and/or on METRICS_PORT
  // without auth (CONTRACT §11); neither set: no metrics are kept
  METRICS_TOKEN: z
    .string()
    .default('')
    .refine((v) => v === '' || v.length >= 16, { message: 'must be at least 16 characters' }),
  METRICS_PORT: intInRange(0, 65535, 0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  /** '' = embedded SQLite at sqlitePath */
  sqlDsn: string;
  sqlitePath: string;
  /** '' = logs live in the main database */
  logSqlDsn: string;
  redisUrl: string;
  /** '' = resolved at start by secret.ts (a file beside SQLite; required with an external database) */
  sessionSecret: string;
  channelKeySecret: string;
  initialRoot: { username: string; password: string; accessToken: string } | null;
  globalApiRateLimit: number;
  /** bound on a database connection acquire and on each statement (CONTRACT §12): past it, 503 */
  dbTimeoutMs: number;
  /** how long calls under way may run on after SIGTERM before they are cancelled */
  shutdownGraceSeconds: number;
  /** where log rows the log database cannot take at shutdown are kept until the next start */
  logSpoolPath: string;
  /** the same for settlements (quota) the main database cannot take: `<log spool>.quota.ndjson` */
  quotaSpoolPath: string;
  /** false, a hop count, or the proxies' addresses/CIDRs (Fastify's trustProxy forms) */
  trustProxy: false | number | string[];
  /** '' = /metrics on the main port answers 404 */
  metricsToken: string;
  /** 0 = no metrics port */
  metricsPort: number;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid environment variable ${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  const spool = e.LOG_SPOOL_PATH || join(dirname(e.SQLITE_PATH), 'log-spool.ndjson');
  if ((e.INITIAL_ROOT_USERNAME === '') !== (e.INITIAL_ROOT_PASSWORD === '')) {
    throw new ConfigError(
      'invalid environment variable INITIAL_ROOT_PASSWORD: INITIAL_ROOT_USERNAME and INITIAL_ROOT_PASSWORD go together',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    sqlDsn: e.SQL_DSN,
    sqlitePath: e.SQLITE_PATH,
    logSqlDsn: e.LOG_SQL_DSN,
    redisUrl: e.REDIS_CONN_STRING,
    sessionSecret: e.SESSION_SECRET,
    channelKeySecret: e.CHANNEL_KEY_SECRET,
    initialRoot: e.INITIAL_ROOT_USERNAME
      ? {
          username: e.INITIAL_ROOT_USERNAME,
          password: e.INITIAL_ROOT_PASSWORD,
          accessToken: e.INITIAL_ROOT_ACCESS_TOKEN,
        }
      : null,
    globalApiRateLimit: e.GLOBAL_API_RATE_LIMIT,
    dbTimeoutMs: e.DB_TIMEOUT_MS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    logSpoolPath: spool,
    quotaSpoolPath: spool.replace(/(\.ndjson)?$/, '.quota.ndjson'),
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
