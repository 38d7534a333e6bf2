/**
 * Billing per CONTRACT §7, pure. Ratio-billed: quota = round((prompt − cached − created + cached ×
 * cache_ratio + created × create_cache_ratio + completion × completion_ratio) × model_ratio × group_ratio),
 * at least 1 when the ratio product is non-zero (cached: prompt tokens the upstream read from its cache,
 * cache_ratio from option CacheRatio, 1 when the model has none; created: prompt tokens written to its
 * cache, create_cache_ratio from option CreateCacheRatio, 1.25 when the model has none — Anthropic's
 * price of a cache write, and New API's default). Price-billed (ModelPrice,
 * USD per request): quota = round(model_price × QuotaPerUnit × group_ratio). Rounding half away from zero.
 */

/** A cache write's price against an uncached prompt token when CreateCacheRatio names no price (New API's). */
export const DEFAULT_CREATE_CACHE_RATIO = 1.25;

export interface Pricing {
  modelRatio: number;
  completionRatio: number;
  /** price of a cached prompt token against an uncached one (option CacheRatio; 1 when unset) */
  cacheRatio: number;
  /** price of a prompt token written to the cache (option CreateCacheRatio; 1.25 when unset) */
  createCacheRatio: number;
  /** USD per request, or -1 when the model is ratio-billed */
  modelPrice: number;
  groupRatio: number;
  quotaPerUnit: number;
}

export interface TokenCounts {
  prompt: number;
  completion: number;
  /** of `prompt`, the tokens read from the upstream's cache */
  cached?: number;
  /** of `prompt`, the tokens written to the upstream's cache */
  created?: number;
  /** what a price is paid per, times (the images of a generation); 1 when absent */
  units?: number;
}

/**
 * Audio seconds as prompt tokens: 50 a second, so that model ratio 1 ($2 per 1M tokens) prices a minute of
 * audio at $0.006, whisper-1's list price; operators scale it with the model's ratio.
 */
export const AUDIO_TOKENS_PER_SECOND = 50;

/** Seconds of audio in a file of `bytes`, when the upstream does not say: 128 kbit/s, a common MP3 rate. */
export function estimateAudioSeconds(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 16_000));
}

/** How many times a price-billed call pays its price: per image for generations (`n`), else once. */
export function priceUnits(endpoint: string, body: Record<string, unknown>): number {
  if (endpoint !== 'images') return 1;
  const n = Number(body.n ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** The option maps pricing reads, as parsed JSON objects. */
export interface PricingTables {
  modelRatio: Record<string, number>;
  completionRatio: Record<string, number>;
  cacheRatio?: Record<string, number>;
  createCacheRatio?: Record<string, number>;
  modelPrice: Record<string, number>;
  groupRatio: Record<string, number>;
  quotaPerUnit: number;
}

/** Half away from zero: 2.5 → 3, -2.5 → -3 (Math.round sends -2.5 to -2). */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * The pricing of `model` in `group`, or null when the model has neither a ratio nor a price
 * ("model price not configured"). A price wins over a ratio. Unknown groups bill at ratio 1.
 */
export function resolvePricing(tables: PricingTables, model: string, group: string): Pricing | null {
  const price = num(tables.modelPrice?.[model]);
  const ratio = num(tables.modelRatio?.[model]);
  if (price === undefined && ratio === undefined) return null;
  return {
    modelRatio: price === undefined ? (ratio as number) : 0,
    completionRatio: num(tables.completionRatio?.[model]) ?? 1,
    cacheRatio: num(tables.cacheRatio?.[model]) ?? 1,
    createCacheRatio: num(tables.createCacheRatio?.[model]) ?? DEFAULT_CREATE_CACHE_RATIO,
    modelPrice: price ?? -1,
    groupRatio: num(tables.groupRatio?.[group]) ?? 1,
    quotaPerUnit: tables.quotaPerUnit,
  };
}

export function isPriceBilled(p: Pricing): boolean {
  return p.modelPrice >= 0;
}

/** The quota a call costs. */
export function computeQuota(p: Pricing, tokens: TokenCounts): number {
  if (isPriceBilled(p))
    return roundHalfAway(p.modelPrice * p.quotaPerUnit * p.groupRatio * (tokens.units ?? 1));
  const product = p.modelRatio * p.groupRatio;
  if (product === 0) return 0;
  const cached = Math.min(Math.max(tokens.cached ?? 0, 0), tokens.prompt);
  const created = Math.min(Math.max(tokens.created ?? 0, 0), tokens.prompt - cached);
  const prompt = tokens.prompt - cached - created + cached * p.cacheRatio + created * p.createCacheRatio;
  const q = roundHalfAway((prompt + tokens.completion * p.completionRatio) * product);
  return Math.max(q, 1);
}
