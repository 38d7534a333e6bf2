import { HOUR, hourOf } from './rollup.ts';
import type { UsageRow } from './usage-data.repo.ts';

/** How long a settled hour is trusted (a rebuild run from the CLI shows after at most this). */
const TTL_MS = 10 * 60_000;
const MAX_HOURS = 24 * 400;
/** joined spans kept (one per range a dashboard asks for within the hour; a few distinct ones at most) */
const MAX_JOINED = 4;

const COMMA = Buffer.from(',');

type Reader = (from: number, to: number) => Promise<UsageRow[]>;
interface Hour {
  rows: UsageRow[];
  at: number;
  /** the rows serialised as UTF-8, without the brackets (made on first use) */
  json?: Buffer;
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
  private readonly joined = new Map<string, { buf: Buffer; at: number }>();
  /** bumped by clear(): what a request read before it is not stored after it */
  private generation = 0;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Hour rows in [from, to] (bucket starts), with `read` called for the spans not cached. */
  async get(from: number, to: number, read: Reader): Promise<UsageRow[]> {
    const { settled, recent } = await this.parts(from, to, read);
    return [...settled.flatMap((h) => h.rows), ...recent];
  }

  /**
   * The same rows as the inside of a JSON array, as byte chunks to send one after the other (commas
   * between them included): the settled span is kept joined, so a 30-day hourly chart (1.3 MB) is sent
   * from one buffer made once an hour instead of serialising, or even concatenating, 720 hours per request.
   * A new megabyte buffer per request was what made its p95 three to eight times its median: the external
   * memory it allocates drives V8's collector.
   */
  async json(from: number, to: number, read: Reader): Promise<Buffer[]> {
    const generation = this.generation;
    const { span, settled, recent } = await this.parts(from, to, read);
    const chunks: Buffer[] = [];
    if (span) {
      const key = `${span.first}:${span.last}`;
      let joined = this.joined.get(key);
      if (!joined || this.nowMs() - joined.at > TTL_MS) {
        const pieces: Buffer[] = [];
        for (const h of settled) {
          if (h.rows.length === 0) continue;
          if (pieces.length > 0) pieces.push(COMMA);
          h.json ??= Buffer.from(JSON.stringify(h.rows).slice(1, -1));
          pieces.push(h.json);
        }
        joined = { buf: Buffer.concat(pieces), at: Math.min(...settled.map((h) => h.at)) };
        if (generation === this.generation) this.joined.set(key, joined);
        if (this.joined.size > MAX_JOINED) this.joined.delete(this.joined.keys().next().value!);
      }
      if (joined.buf.length > 0) chunks.push(joined.buf);
    }
    if (recent.length > 0) {
      if (chunks.length > 0) chunks.push(COMMA);
      chunks.push(Buffer.from(JSON.stringify(recent).slice(1, -1)));
    }
    return chunks;
  }

  private async parts(
    from: number,
    to: number,
    read: Reader,
  ): Promise<{ span?: { first: number; last: number }; settled: Hour[]; recent: UsageRow[] }> {
    const now = this.nowMs();
    const settledBefore = hourOf(Math.floor(now / 1000)) - HOUR; // hours starting before this are settled
    const firstHour = Math.ceil(from / HOUR) * HOUR;
    const lastSettled = Math.min(to, settledBefore - 1);
    const settled: Hour[] = [];
    let span: { first: number; last: number } | undefined;
    if (firstHour <= lastSettled) {
      span = { first: firstHour, last: lastSettled };
      // this request's hours, held here: another request's trim while this one reads cannot take them
      const mine = new Map<number, Hour>();
      let missingFrom = Number.POSITIVE_INFINITY;
      let missingTo = Number.NEGATIVE_INFINITY;
      for (let h = firstHour; h <= lastSettled; h += HOUR) {
        const hit = this.hours.get(h);
        if (!hit || now - hit.at > TTL_MS) {
          missingFrom = Math.min(missingFrom, h);
          missingTo = Math.max(missingTo, h);
        } else mine.set(h, hit);
      }
      if (missingFrom <= missingTo) {
        const generation = this.generation;
        const fresh = await read(missingFrom, missingTo);
        const byHour = new Map<number, UsageRow[]>();
        for (const r of fresh) {
          const list = byHour.get(r.created_at);
          if (list) list.push(r);
          else byHour.set(r.created_at, [r]);
        }
        if (generation !== this.generation) return { settled: [], recent: await read(from, to) }; // cleared meanwhile
        for (let h = missingFrom; h <= missingTo; h += HOUR) {
          const hour = { rows: byHour.get(h) ?? [], at: now };
          this.hours.set(h, hour);
          mine.set(h, hour);
        }
        // a joined span holding any of these hours is out of date
        for (const key of [...this.joined.keys()]) {
          const [a, b] = key.split(':').map(Number);
          if (a <= missingTo && b >= missingFrom) this.joined.delete(key);
        }
      }
      for (let h = firstHour; h <= lastSettled; h += HOUR) settled.push(mine.get(h)!);
      this.trim(firstHour, lastSettled);
    }
    const recentFrom = Math.max(from, lastSettled + 1);
    const recent = recentFrom <= to ? await read(recentFrom, to) : [];
    return { span, settled, recent };
  }

  clear(): void {
    this.generation += 1;
    this.hours.clear();
    this.joined.clear();
  }

  /**
   * Back to MAX_HOURS: hours outside the span just asked for go first, oldest first (the recent ones are
   * what dashboards ask for); then, for a span longer than the cache, its own oldest hours.
   */
  private trim(first: number, last: number): void {
    if (this.hours.size <= MAX_HOURS) return;
    const byAge = [...this.hours.keys()].sort((a, b) => a - b);
    const outside = byAge.filter((h) => h < first || h > last);
    const inside = byAge.filter((h) => h >= first && h <= last);
    for (const h of [...outside, ...inside]) {
      if (this.hours.size <= MAX_HOURS) break;
      this.hours.delete(h);
    }
  }
}
