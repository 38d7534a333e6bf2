import type { EventBus } from '../events.ts';
import type { OptionsService } from '../modules/options/options.service.ts';
import type { PricingTables } from './billing.ts';

const KEYS = new Set([
  'ModelRatio',
  'CompletionRatio',
  'CacheRatio',
  'CreateCacheRatio',
  'ModelPrice',
  'GroupRatio',
  'QuotaPerUnit',
]);
const MAX_AGE_MS = 5000;

/** The pricing options parsed once (not per call), re-read when one changes or after 5 s. */
export class PricingCache {
  private tables: PricingTables | null = null;
  private readAt = 0;

  constructor(
    private readonly options: OptionsService,
    events: EventBus,
  ) {
    const drop = (key: string) => {
      if (KEYS.has(key)) this.tables = null;
    };
    options.onChange(drop);
    events.on('option', drop);
  }

  get(): PricingTables {
    const now = Date.now();
    if (!this.tables || now - this.readAt > MAX_AGE_MS) {
      const o = this.options;
      this.tables = {
        modelRatio: o.json('ModelRatio') ?? {},
        completionRatio: o.json('CompletionRatio') ?? {},
        cacheRatio: o.json('CacheRatio') ?? {},
        createCacheRatio: o.json('CreateCacheRatio') ?? {},
        modelPrice: o.json('ModelPrice') ?? {},
        groupRatio: o.json('GroupRatio') ?? {},
        quotaPerUnit: o.int('QuotaPerUnit'),
      };
      this.readAt = now;
    }
    return this.tables;
  }
}
