import type { RedisClientType } from 'redis';
import type { ClusterSync } from './cluster-sync.ts';
import type { Config } from './config.ts';
import type { Databases } from './db/connect.ts';
import type { EventBus } from './events.ts';
import type { Authenticator, AuthLevel } from './http/auth.ts';
import type { RouteDoc } from './http/openapi.ts';
import type { RateLimitStore } from './http/rate-limit.ts';
import type { Metrics } from './metrics.ts';
import type { CatalogService } from './modules/catalog/catalog.service.ts';
import type { AutoEnableJob } from './modules/channels/auto-enable.ts';
import type { ChannelsService } from './modules/channels/channels.service.ts';
import type { LogTail } from './modules/logs/log-tail.ts';
import type { LogWriter } from './modules/logs/log-types.ts';
import type { LogsService } from './modules/logs/logs.service.ts';
import type { RetentionJob } from './modules/logs/retention.ts';
import type { OptionsService } from './modules/options/options.service.ts';
import type { PricingService } from './modules/public-info/pricing.service.ts';
import type { RedemptionsService } from './modules/redemptions/redemptions.service.ts';
import type { SetupService } from './modules/setup/setup.service.ts';
import type { TokensService } from './modules/tokens/tokens.service.ts';
import type { UsageDataService } from './modules/usage-data/usage-data.service.ts';
import type { UsersRepo } from './modules/users/users.repo.ts';
import type { UsersService } from './modules/users/users.service.ts';
import type { RelayService } from './relay/relay.service.ts';

/** What route modules receive: built once in app.ts, no globals. */
export interface AppContext {
  config: Config;
  dbs: Databases;
  redis: RedisClientType<any, any, any, any, any> | null;
  rateLimits: RateLimitStore;
  events: EventBus;
  auth: Authenticator;
  options: OptionsService;
  logWriter: LogWriter;
  usersRepo: UsersRepo;
  users: UsersService;
  setup: SetupService;
  tokens: TokensService;
  /** redemption codes (admin batches, user top-up) */
  redemptions: RedemptionsService;
  /** channel administration, and the relay's channel source (keys decrypted) */
  channels: ChannelsService;
  logs: LogsService;
  /** the live log tail (modules/logs/log-tail.ts), fed by the log writer */
  logTail: LogTail;
  /** RetentionDays: background deletion of old logs */
  retention: RetentionJob;
  /** AutomaticEnableChannelEnabled: periodic test of automatically disabled channels */
  autoEnable: AutoEnableJob;
  /** keeps options and caches current across instances (Redis pub/sub or periodic reload) */
  sync: ClusterSync;
  /** hourly usage rollups for charts (CONTRACT §4) */
  usageData: UsageDataService;
  /** vendors and model metadata (admin CRUD) */
  catalog: CatalogService;
  /** /api/pricing and /api/ratio_config, cached until an option, channel or metadata change */
  pricing: PricingService;
  /** the /v1 relay (pipeline, settlement, shared upstream Agent) */
  relay: RelayService;
  /** Prometheus metrics, when METRICS_TOKEN or METRICS_PORT is set */
  metrics: Metrics | null;
  startTime: number;
  version: string;
  /** every /api route with its declared level (filled while routes register) */
  routes: Array<{ method: string; url: string; auth: AuthLevel }>;
  /** every /api and /v1 route with its input schemas: the OpenAPI document (http/openapi.ts) */
  documented: RouteDoc[];
}
