import { HOUR, hourOf } from './rollup.ts';
import type { UsageRow } from './usage-data.repo.ts';

/** How long a settled hour is trusted (a rebuild run from the CLI shows after at most this). */
const TTL_MS = 10 * 60_000;
const MAX_HOURS = 24 * 400;

const COMMA = Buffer.from(',');

type Reader = (from: number, to: number) => Promise<UsageRow[]>;
interface Hour {
  rows: UsageRow[];
  at: number;
  /** the rows serialised as UTF-8, without the brackets (made on first use) */
  json?: Buffer;
}
interface Part {
  rows: UsageRow[];
  cached?: Hour;
}

/**
 * The site-wide chart (`/api/data/` without filters) re-reads the same hours on every visit: 30 days by
 * hour are 720 × models rows. An hour is settled once the next one has begun plus one more hour (the
 * writer stamps rows with the time it writes them, so only the current and, for a batch flushed at the
 * turn of the hour, the previous hour still change). Settled hours are kept in memory per hour; the
 * recent ones are always read from the database.
 */
export class SettledHours {
  private readonly hours = new Map<number, Hour>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Hour rows in [from, to] (bucket starts), with `read` called for the spans not cached. */
  async get(from: number, to: number, read: Reader): Promise<UsageRow[]> {
    return (await this.parts(from, to, read)).flatMap((p) => p.rows);
  }

  /**
   * The same rows as the inside of a JSON array, as bytes: settled hours keep their serialised UTF-8, so a
   * 30-day hourly chart (tens of thousands of rows, megabytes) costs a buffer copy instead of serialising
   * and encoding every row on every request.
   */
  async json(from: number, to: number, read: Reader): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (const p of await this.parts(from, to, read)) {
      if (p.rows.length === 0) continue;
      if (chunks.length > 0) chunks.push(COMMA);
      const text = () => Buffer.from(JSON.stringify(p.rows).slice(1, -1));
      if (p.cached) p.cached.json ??= text();
      chunks.push(p.cached?.json ?? text());
    }
    return Buffer.concat(chunks);
  }

  private async parts(from: number, to: number, read: Reader): Promise<Part[]> {
    const now = this.nowMs();
    const settledBefore = hourOf(Math.floor(now / 1000)) - HOUR; // hours starting before this are settled
    const firstHour = Math.ceil(from / HOUR) * HOUR;
    const lastSettled = Math.min(to, settledBefore - 1);
    const out: Part[] = [];
    if (firstHour <= lastSettled) {
      let missingFrom = Number.POSITIVE_INFINITY;
      let missingTo = Number.NEGATIVE_INFINITY;
      for (let h = firstHour; h <= lastSettled; h += HOUR) {
        const hit = this.hours.get(h);
        if (!hit || now - hit.at > TTL_MS) {
          missingFrom = Math.min(missingFrom, h);
          missingTo = Math.max(missingTo, h);
        }
      }
      if (missingFrom <= missingTo) {
        const fresh = await read(missingFrom, missingTo);
        const byHour = new Map<number, UsageRow[]>();
        for (const r of fresh) {
          const list = byHour.get(r.created_at);
          if (list) list.push(r);
          else byHour.set(r.created_at, [r]);
        }
        for (let h = missingFrom; h <= missingTo; h += HOUR)
          this.hours.set(h, { rows: byHour.get(h) ?? [], at: now });
        this.trim();
      }
      for (let h = firstHour; h <= lastSettled; h += HOUR) {
        const hit = this.hours.get(h);
        if (hit) out.push({ rows: hit.rows, cached: hit });
      }
    }
    const recentFrom = Math.max(from, lastSettled + 1);
    if (recentFrom <= to) out.push({ rows: await read(recentFrom, to) });
    return out;
  }

  clear(): void {
    this.hours.clear();
  }

  private trim(): void {
    if (this.hours.size <= MAX_HOURS) return;
    const oldest = [...this.hours.keys()].sort((a, b) => a - b);
    for (const h of oldest.slice(0, this.hours.size - MAX_HOURS)) this.hours.delete(h);
  }
}
