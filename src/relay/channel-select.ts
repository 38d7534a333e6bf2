import { own } from '../shared/own-keys.ts';
/** The routing fields a candidate channel needs for the choice. */
export interface Weighted {
  id: number;
  priority: number;
  weight: number;
}

/**
 * CONTRACT §8: among the candidates not yet tried, the highest priority wins; ties are chosen at random in
 * proportion to weight (a weight of 0 counts as 1, so an unweighted channel still gets traffic).
 */
export function pickChannel<C extends Weighted>(
  candidates: readonly C[],
  exclude: ReadonlySet<number>,
  random: () => number = Math.random,
): C | undefined {
  let top = Number.NEGATIVE_INFINITY;
  let pool: C[] = [];
  for (const c of candidates) {
    if (exclude.has(c.id)) continue;
    if (c.priority > top) {
      top = c.priority;
      pool = [c];
    } else if (c.priority === top) pool.push(c);
  }
  if (pool.length <= 1) return pool[0];
  const w = (c: C) => (c.weight > 0 ? c.weight : 1);
  let total = 0;
  for (const c of pool) total += w(c);
  let r = random() * total;
  for (const c of pool) {
    r -= w(c);
    if (r < 0) return c;
  }
  return pool[pool.length - 1];
}

/** The channel's `model_mapping` (JSON `{"asked": "sent"}`) applied to a model name; bad JSON maps nothing. */
const mappings = new Map<string, Record<string, unknown>>();
export function mapModel(mappingJson: string, model: string): string {
  if (!mappingJson || mappingJson === '{}') return model;
  let m = mappings.get(mappingJson);
  if (!m) {
    try {
      const parsed = JSON.parse(mappingJson);
      m = parsed && typeof parsed === 'object' ? parsed : {};
    } catch {
      m = {};
    }
    if (mappings.size > 1000) mappings.clear();
    mappings.set(mappingJson, m as Record<string, unknown>);
  }
  const to = own(m as Record<string, unknown>, model);
  return typeof to === 'string' && to ? to : model;
}
