import { DEFAULT_COMPLETION_RATIO, DEFAULT_MODEL_RATIO } from './model-ratios.ts';

/**
 * Every option key the contract names, with its default (stored form: a string, as in New API).
 * A key missing from the database reads as its default.
 */
export const OPTION_DEFAULTS: Record<string, string> = {
  SystemName: 'Tollgate',
  Logo: '',
  Footer: '',
  Notice: '',
  About: '',
  HomePageContent: '',
  ServerAddress: '',
  QuotaPerUnit: '500000',
  DisplayInCurrencyEnabled: 'true',
  RegisterEnabled: 'true',
  QuotaForNewUser: '0',
  ExposeRatioEnabled: 'true',
  LogConsumeEnabled: 'true',
  DataExportEnabled: 'true',
  RetentionDays: '0',
  RetryTimes: '2',
  // completion tokens a call reserves when it sets no max_tokens (CONTRACT §10)
  DefaultCompletionReserve: '4096',
  // CONTRACT §12: disable a channel whose key or account the upstream calls bad (off, as in New API), and
  // test automatically disabled channels every 10 minutes, enabling those that answer
  AutomaticDisableChannelEnabled: 'false',
  // upstream timeouts in seconds (CONTRACT §12), each a reason to try the next channel: a whole non-stream
  // call, a stream's first byte, and the longest silence inside a stream
  RelayTimeout: '300',
  StreamFirstByteTimeout: '60',
  StreamIdleTimeout: '120',
  AutomaticEnableChannelEnabled: 'false',
  TokenLimitPerUser: '1000',
  ModelRatio: JSON.stringify(DEFAULT_MODEL_RATIO),
  CompletionRatio: JSON.stringify(DEFAULT_COMPLETION_RATIO),
  ModelPrice: '{}',
  // price of a cached prompt token against an uncached one, per model (New API's option; absent: 1)
  CacheRatio: '{}',
  CreateCacheRatio: '{}',
  GroupRatio: JSON.stringify({ default: 1, vip: 1, svip: 1 }),
  UserUsableGroups: JSON.stringify({ default: 'Default group', vip: 'VIP group' }),
  AutoGroups: '[]',
  // read by New API's console through /api/status (CONTRACT §5, §9)
  TopUpLink: '',
  DocsLink: '',
  // chat clients offered beside each token: [{"Name": "url with {address} and {key}"}]
  Chats: '[]',
  // the dashboard's default granularity: hour, day or week
  DataExportDefaultTime: 'hour',
  // how quota is shown: USD, CNY, TOKENS or CUSTOM
  QuotaDisplayType: 'USD',
};

/** Options never returned by GET /api/option/ (secrets the server generates for itself). */
export const SECRET_OPTION_KEYS = new Set(['SessionSecret']); // only in databases of older releases (secret.ts moves it out)
