import { badRequest } from '../../http/errors.ts';
import type { UserDirectory } from '../logs/logs.service.ts';
import { SettledHours } from './hour-cache.ts';
import { localDayStart } from './tz.ts';
import type { UsageDataRepo, UsageFilter, UsageRow } from './usage-data.repo.ts';

export const DAY = 86_400;
/** CONTRACT §4: a range longer than this is refused. */
export const MAX_RANGE = 366 * DAY;

export interface UsageQuery {
  start_timestamp?: number;
  end_timestamp?: number;
  granularity: 'hour' | 'day';
  tz: string;
}

export class UsageDataService {
  private readonly settled = new SettledHours();

  constructor(
    private readonly repo: UsageDataRepo,
    /** the users module: a username filter becomes an id (deleted users keep their statistics) */
    private readonly users: Pick<UserDirectory, 'idByUsername'>,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** An unknown name matches nobody (-1). */
  async userIdFor(username: string): Promise<number> {
    return (await this.users.idByUsername(username)) ?? -1;
  }

  /** Defaults (CONTRACT §8): end = now, start = end − 7 days; buckets are selected by their start. */
  range(q: UsageQuery): { from: number; to: number } {
    const to = q.end_timestamp ?? this.now();
    const from = q.start_timestamp ?? to - 7 * DAY;
    if (from > to) throw badRequest('start_timestamp must not be after end_timestamp', 'start_timestamp');
    if (to - from > MAX_RANGE)
      throw badRequest('start_timestamp must be at most 366 days before end_timestamp', 'start_timestamp');
    return { from, to };
  }

  /** Rows per (model, hour) — or per (model, local day in `tz`) — ordered by time, then model. */
  async series(f: Omit<UsageFilter, 'from' | 'to'>, q: UsageQuery): Promise<UsageRow[]> {
    const { from, to } = this.range(q);
    const siteWide = f.userId === undefined && f.tokenId === undefined && f.channelId === undefined;
    const rows = siteWide
      ? await this.settled.get(from, to, (a, b) => this.repo.perModelHour({ from: a, to: b }))
      : await this.repo.perModelHour({ ...f, from, to });
    return q.granularity === 'day' ? byLocalDay(rows, q.tz) : rows;
  }

  /** The site-wide hourly series as the inside of a JSON array, in chunks (see SettledHours.json). */
  async siteHoursJson(q: UsageQuery): Promise<Buffer[]> {
    const { from, to } = this.range(q);
    return this.settled.json(from, to, (a, b) => this.repo.perModelHour({ from: a, to: b }));
  }

  /** Forget cached hours (after a rollup rebuild in this process). */
  invalidate(): void {
    this.settled.clear();
  }
}

/**
 * Hour rows summed into local days (each hour goes to the local date its start falls on). The zone is
 * asked only where a day begins or ends: two Intl lookups per local day instead of three per hour (30 days
 * by hour were 2,160 `formatToParts` calls, most of the view's time).
 */
export function byLocalDay(rows: readonly UsageRow[], tz: string): UsageRow[] {
  let dayStart = Number.POSITIVE_INFINITY;
  let nextDay = Number.NEGATIVE_INFINITY;
  const out = new Map<string, UsageRow>();
  for (const r of rows) {
    if (r.created_at < dayStart || r.created_at >= nextDay) {
      dayStart = localDayStart(tz, r.created_at);
      // an instant 30 h after a day's start lies in the next day whatever the day's length (23–25 h)
      nextDay = localDayStart(tz, dayStart + 30 * 3600);
      // where midnight comes twice (clocks back from 01:00 to 00:00: Atlantic/Azores, America/Havana) the
      // next day "starts" at its second midnight and the hour before it is a day of its own: such a span is
      // not one day, so this hour is taken alone, as the per-hour lookup would
      if (nextDay <= dayStart || localDayStart(tz, nextDay - 3600) !== dayStart) nextDay = r.created_at + 1;
    }
    const day = dayStart;
    const key = `${day}\u0000${r.model_name}`;
    const acc = out.get(key);
    if (acc) {
      acc.count += r.count;
      acc.quota += r.quota;
      acc.token_used += r.token_used;
    } else out.set(key, { ...r, created_at: day });
  }
  return [...out.values()].sort(
    (a, b) =>
      a.created_at - b.created_at || (a.model_name < b.model_name ? -1 : a.model_name > b.model_name ? 1 : 0),
  );
}
