import type { UsageRow } from '../api/types.ts';

export type Granularity = 'hour' | 'day';

/** A bucket start (Unix seconds) as a label in the viewer's time zone. */
export function bucketLabel(sec: number, g: Granularity): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return g === 'day' ? `${d.getFullYear()}-${day}` : `${day} ${p(d.getHours())}:00`;
}

export interface UsageTotals {
  quota: number;
  count: number;
  tokens: number;
  byModel: { model: string; quota: number; count: number }[];
}

export function totals(rows: UsageRow[]): UsageTotals {
  const by = new Map<string, { model: string; quota: number; count: number }>();
  let quota = 0;
  let count = 0;
  let tokens = 0;
  for (const r of rows) {
    quota += r.quota;
    count += r.count;
    tokens += r.token_used;
    const m = by.get(r.model_name) ?? { model: r.model_name, quota: 0, count: 0 };
    m.quota += r.quota;
    m.count += r.count;
    by.set(r.model_name, m);
  }
  return { quota, count, tokens, byModel: [...by.values()].sort((a, b) => b.quota - a.quota) };
}
