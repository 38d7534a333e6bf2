import { OPTION_DEFAULTS, SECRET_OPTION_KEYS } from './options.defaults.ts';
import type { OptionValidator } from './options.service.ts';

const KB = 1024;

const text =
  (max: number): OptionValidator =>
  (v) =>
    v.length > max ? `at most ${max} characters` : null;

const url: OptionValidator = (v) =>
  v === '' || /^https?:\/\/\S+$/i.test(v) ? null : 'must be empty or an http(s):// URL';

const bool: OptionValidator = (v) => (v === 'true' || v === 'false' ? null : 'must be true or false');

const int =
  (min: number, max: number): OptionValidator =>
  (v) =>
    /^-?\d{1,15}$/.test(v) && Number(v) >= min && Number(v) <= max
      ? null
      : `must be an integer from ${min} to ${max}`;

function parseJson(v: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(v) };
  } catch (e) {
    return { error: `must be valid JSON (${(e as Error).message})` };
  }
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  !!x && typeof x === 'object' && !Array.isArray(x);

/** `{"name": non-negative number}`: ratios and prices. */
const numberMap: OptionValidator = (v) => {
  const { value, error } = parseJson(v);
  if (error) return error;
  if (!isObject(value)) return 'must be a JSON object such as {"gpt-4o": 1.25}';
  for (const [k, n] of Object.entries(value)) {
    if (k.trim() === '') return 'names must not be empty';
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return `"${k}" must be a non-negative number`;
  }
  return null;
};

/** `{"group": "description"}` */
const stringMap: OptionValidator = (v) => {
  const { value, error } = parseJson(v);
  if (error) return error;
  if (!isObject(value)) return 'must be a JSON object such as {"default": "Default group"}';
  for (const [k, s] of Object.entries(value))
    if (k.trim() === '' || typeof s !== 'string') return `"${k}" must map to a string`;
  return null;
};

const stringArray: OptionValidator = (v) => {
  const { value, error } = parseJson(v);
  if (error) return error;
  return Array.isArray(value) && value.every((s) => typeof s === 'string' && s !== '')
    ? null
    : 'must be a JSON array of group names such as ["default"]';
};

const oneOf =
  (...values: string[]): OptionValidator =>
  (v) =>
    values.includes(v) ? null : `must be one of ${values.join(', ')}`;

/** `[{"Cherry Studio": "cherrystudio://…"}, …]`: New API's list of chat clients, one name → URL each. */
const chats: OptionValidator = (v) => {
  if (v.length > 64 * KB) return `at most ${64 * KB} characters`;
  const { value, error } = parseJson(v);
  if (error) return error;
  const ok =
    Array.isArray(value) &&
    value.every((x) => isObject(x) && Object.keys(x).length === 1 && typeof Object.values(x)[0] === 'string');
  return ok ? null : 'must be a JSON array of {"name": "url"} objects';
};

/** Per-key validation for PUT /api/option/: the old value stays when the new one is refused. */
export const OPTION_VALIDATORS: Record<string, OptionValidator> = {
  SystemName: text(64),
  Logo: (v) => text(2048)(v) ?? url(v),
  Footer: text(64 * KB),
  Notice: text(256 * KB),
  About: text(256 * KB),
  HomePageContent: text(256 * KB),
  ServerAddress: (v) => text(512)(v) ?? url(v),
  QuotaPerUnit: int(1, 1_000_000_000),
  DisplayInCurrencyEnabled: bool,
  RegisterEnabled: bool,
  QuotaForNewUser: int(0, Number.MAX_SAFE_INTEGER),
  ExposeRatioEnabled: bool,
  LogConsumeEnabled: bool,
  DataExportEnabled: bool,
  RetentionDays: int(0, 36_500),
  RetryTimes: int(0, 10),
  DefaultCompletionReserve: int(0, 1_000_000),
  AutomaticDisableChannelEnabled: bool,
  RelayTimeout: int(1, 3600),
  StreamFirstByteTimeout: int(1, 3600),
  StreamIdleTimeout: int(1, 3600),
  AutomaticEnableChannelEnabled: bool,
  TokenLimitPerUser: int(0, 1_000_000),
  ModelRatio: numberMap,
  CompletionRatio: numberMap,
  ModelPrice: numberMap,
  CacheRatio: numberMap,
  CreateCacheRatio: numberMap,
  GroupRatio: numberMap,
  UserUsableGroups: stringMap,
  AutoGroups: stringArray,
  TopUpLink: (v) => text(512)(v) ?? url(v),
  DocsLink: (v) => text(512)(v) ?? url(v),
  Chats: chats,
  DataExportDefaultTime: oneOf('hour', 'day', 'week'),
  QuotaDisplayType: oneOf('USD', 'CNY', 'TOKENS', 'CUSTOM'),
};

/** Keys an operator may set: every documented key but the server's own secrets. */
export function isSettableOption(key: string): boolean {
  return Object.hasOwn(OPTION_DEFAULTS, key) && !SECRET_OPTION_KEYS.has(key);
}
