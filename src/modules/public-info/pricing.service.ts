import type { EventBus } from '../../events.ts';
import { endpointTypesOf, SUPPORTED_ENDPOINT } from '../../shared/endpoints.ts';
import type { CatalogRepo, Vendor } from '../catalog/catalog.repo.ts';
import { inferVendor } from '../catalog/vendor-infer.ts';
import type { ChannelsRepo } from '../channels/channels.repo.ts';
import type { OptionsService } from '../options/options.service.ts';
import { usableGroups } from '../users/groups.ts';

export { SUPPORTED_ENDPOINT };

import type { PricingItem } from '../../shared/wire.ts';

export type { PricingItem };

export interface PricingAnswer {
  success: true;
  message: '';
  data: PricingItem[];
  vendors: Array<Pick<Vendor, 'id' | 'name' | 'description' | 'icon'>>;
  group_ratio: Record<string, number>;
  usable_group: Record<string, string>;
  supported_endpoint: typeof SUPPORTED_ENDPOINT;
  auto_groups: string[];
}

/** A cached answer is recomputed after this long even without a change event (multi-instance without Redis). */
const MAX_AGE_MS = 10_000;

interface Base {
  /** every served model, all groups */
  items: PricingItem[];
  vendors: PricingAnswer['vendors'];
}

/**
 * /api/pricing and /api/ratio_config, cached: the served models, their prices, metadata and vendors are
 * computed once (one read of the serving table, vendors and metadata) and again only after an option,
 * channel or metadata change; each caller's view (their usable groups) is cached by its group set.
 */
export class PricingService {
  private base: Promise<Base> | null = null;
  private baseAt = 0;
  /** serialised answers by group set: a cached answer costs no JSON work at all */
  private readonly views = new Map<string, Promise<string>>();
  private ratio: { model_ratio: unknown; completion_ratio: unknown; model_price: unknown } | null = null;

  constructor(
    private readonly channels: ChannelsRepo,
    private readonly catalog: CatalogRepo,
    private readonly options: OptionsService,
    events: EventBus,
  ) {
    const drop = () => this.invalidate();
    events.on('option', drop);
    events.on('channel', drop);
    events.on('modelMeta', drop);
  }

  /** Drops everything cached (any option, channel or metadata change). */
  invalidate(): void {
    this.base = null;
    this.views.clear();
    this.ratio = null;
  }

  ratioConfig() {
    this.ratio ??= {
      model_ratio: this.options.json('ModelRatio') ?? {},
      completion_ratio: this.options.json('CompletionRatio') ?? {},
      model_price: this.options.json('ModelPrice') ?? {},
    };
    return this.ratio;
  }

  /** The answer (JSON text) for a caller whose usable groups are these (anonymous: the public ones). */
  pricingJson(userGroup: string | null): Promise<string> {
    // without Redis, another instance's channel change reaches this one only by expiry
    if (this.base && Date.now() - this.baseAt > MAX_AGE_MS) this.invalidate();
    const groups = usableGroups(this.options, userGroup);
    const key = Object.keys(groups).sort().join('\u0000');
    let view = this.views.get(key);
    if (!view) {
      view = this.view(groups).then((answer) => JSON.stringify(answer));
      this.views.set(key, view);
      view.catch(() => this.views.delete(key));
    }
    return view;
  }

  private async view(groups: Record<string, string>): Promise<PricingAnswer> {
    const base = await this.loadBase();
    const data: PricingItem[] = [];
    for (const item of base.items) {
      const enable = item.enable_group.filter((g) => g in groups);
      // enable_groups: the name New API's console reads (CONTRACT §5)
      if (enable.length > 0) data.push({ ...item, enable_group: enable, enable_groups: enable });
    }
    const ratios = this.options.json<Record<string, number>>('GroupRatio') ?? {};
    const auto = this.options.json<string[]>('AutoGroups');
    return {
      success: true,
      message: '',
      data,
      vendors: base.vendors,
      group_ratio: Object.fromEntries(Object.keys(groups).map((g) => [g, ratios[g] ?? 1])),
      usable_group: groups,
      supported_endpoint: SUPPORTED_ENDPOINT,
      auto_groups: Array.isArray(auto) ? auto.filter((g) => g in groups) : [],
    };
  }

  private loadBase(): Promise<Base> {
    if (!this.base) {
      this.baseAt = Date.now();
      this.base = this.computeBase();
      this.base.catch(() => {
        this.base = null;
      });
    }
    return this.base;
  }

  private async computeBase(): Promise<Base> {
    const [served, vendors, metas] = await Promise.all([
      this.channels.served(),
      this.catalog.vendors(),
      this.catalog.metas(),
    ]);
    const activeVendors = vendors.filter((v) => v.status === 1);
    const vendorByName = new Map(activeVendors.map((v) => [v.name.toLowerCase(), v.id]));
    const metaByModel = new Map(metas.filter((m) => m.status === 1).map((m) => [m.model_name, m]));
    const modelRatio = this.options.json<Record<string, number>>('ModelRatio') ?? {};
    const completionRatio = this.options.json<Record<string, number>>('CompletionRatio') ?? {};
    const modelPrice = this.options.json<Record<string, number>>('ModelPrice') ?? {};

    const byModel = new Map<string, { groups: Set<string> }>();
    for (const s of served) {
      const m = byModel.get(s.model) ?? { groups: new Set<string>() };
      m.groups.add(s.group);
      byModel.set(s.model, m);
    }
    const items: PricingItem[] = [];
    for (const [model, { groups }] of [...byModel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const meta = metaByModel.get(model);
      const inferred = inferVendor(model);
      const priced = Object.hasOwn(modelPrice, model);
      items.push({
        model_name: model,
        enable_group: [...groups].sort(),
        model_ratio: modelRatio[model] ?? 0,
        completion_ratio: completionRatio[model] ?? 1,
        model_price: priced ? modelPrice[model] : -1,
        quota_type: priced ? 1 : 0,
        description: meta?.description ?? '',
        vendor_id: meta?.vendor_id || (inferred ? (vendorByName.get(inferred.toLowerCase()) ?? 0) : 0),
        supported_endpoint_types: endpointTypesOf(model),
      });
    }
    return {
      items,
      vendors: activeVendors.map(({ id, name, description, icon }) => ({ id, name, description, icon })),
    };
  }
}
