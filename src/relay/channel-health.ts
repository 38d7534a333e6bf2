import type { EventBus } from '../events.ts';
import type { Candidate } from './relay-context.ts';

/** What the upstream said that makes a channel's key or account bad (CONTRACT §12). */
const BAD_KEY =
  /invalid_api_key|insufficient_quota|account_deactivated|billing_not_active|authentication_error|permission_error/;

export const COOLDOWN_FIRST_MS = 30_000;
export const COOLDOWN_MAX_MS = 10 * 60_000;

/** The answer an attempt got: an HTTP status (0 = none: connect error, timeout) and the error body. */
export interface Failure {
  status: number;
  body: string;
}

export interface ChannelHealthDeps {
  events: EventBus;
  /** option AutomaticDisableChannelEnabled, read at each failure */
  autoDisable: () => boolean;
  /** sets status 3 (automatically disabled) and announces the change */
  disable: (channel: Candidate, why: string) => Promise<void>;
  /** writes a system log (type 5) about a channel */
  systemLog: (channel: Candidate, text: string) => void;
  now?: () => number;
}

interface Cooling {
  until: number;
  failedAt: number;
  /** how many times in a row it failed: the cooldown doubles with each */
  level: number;
}

/** A cooldown as it travels between instances on the `cooldown` event: `id|until|failedAt|level`, or `id|0`. */
function encode(id: number, c: Cooling | null): string {
  return c ? `${id}|${c.until}|${c.failedAt}|${c.level}` : `${id}|0`;
}

/** The `cooldown` event value that ends a channel's cooldown (a channel test answered, say). */
export const cooldownEnded = (id: number): string => encode(id, null);

/**
 * Channel health (CONTRACT §12). A bad key or account (401, or the upstream's own words for it) disables
 * the channel (status 3), and only when AutomaticDisableChannelEnabled is on. 5xx, 429 and no answer put
 * the channel in a cooldown instead: routing skips it for 30 s, doubling while it keeps failing, up to
 * 10 min; a success ends it. Cooldowns travel to the other instances as `cooldown` events (ClusterSync
 * carries them over Redis). When every candidate is cooling down, the one that failed longest ago is
 * tried rather than answering 503.
 */
export class ChannelHealth {
  private readonly cooling = new Map<number, Cooling>();
  private readonly now: () => number;

  constructor(private readonly d: ChannelHealthDeps) {
    this.now = d.now ?? Date.now;
    d.events.on('cooldown', (value) => this.apply(value));
  }

  private apply(value: string): void {
    const [id, until, failedAt, level] = value.split('|').map(Number);
    if (!Number.isInteger(id)) return;
    if (!until) this.cooling.delete(id);
    else this.cooling.set(id, { until, failedAt, level });
  }

  /**
   * What the channels page shows: failures in a row since the last success (server errors, timeouts,
   * 429s, as this instance heard of them) and until when routing skips the channel (ms; 0 when it is not).
   */
  state(id: number): { failures: number; cooling_until: number } {
    const c = this.cooling.get(id);
    if (!c) return { failures: 0, cooling_until: 0 };
    return { failures: c.level + 1, cooling_until: c.until > this.now() ? c.until : 0 };
  }

  isCooling(id: number): boolean {
    const c = this.cooling.get(id);
    return c !== undefined && c.until > this.now();
  }

  /**
   * Candidates routing may pick from: the ones not cooling down, or, when all are, the one that failed
   * longest ago.
   */
  usable<C extends Candidate>(candidates: readonly C[], exclude: ReadonlySet<number>): C[] {
    if (this.cooling.size === 0) return candidates as C[];
    const open = candidates.filter((c) => !exclude.has(c.id) && !this.isCooling(c.id));
    if (open.length > 0) return open;
    let oldest: C | undefined;
    for (const c of candidates)
      if (
        !exclude.has(c.id) &&
        (!oldest || this.cooling.get(c.id)!.failedAt < this.cooling.get(oldest.id)!.failedAt)
      )
        oldest = c;
    return oldest ? [oldest] : [];
  }

  success(id: number): void {
    if (this.cooling.size > 0 && this.cooling.has(id)) this.d.events.emit('cooldown', encode(id, null));
  }

  failure(channel: Candidate, f: Failure): void {
    // the upstream's words count only on an auth or billing status: a client can put "invalid_api_key"
    // into a request the upstream echoes back in a 400
    if (
      f.status === 401 ||
      ((f.status === 402 || f.status === 403 || f.status === 429) && BAD_KEY.test(f.body))
    ) {
      if (this.d.autoDisable()) void this.d.disable(channel, answerOf(f)).catch(() => {});
      return;
    }
    if (!(f.status === 0 || f.status === 429 || f.status >= 500)) return;
    const now = this.now();
    const prev = this.cooling.get(channel.id);
    const level = prev ? Math.min(prev.level + 1, 10) : 0;
    const ms = Math.min(COOLDOWN_FIRST_MS * 2 ** level, COOLDOWN_MAX_MS);
    // a failure while already cooling (the last-resort try) extends it; only a new cooldown is logged
    if (!prev || prev.until <= now)
      this.d.systemLog(channel, `cooling down for ${Math.round(ms / 1000)} s after: ${answerOf(f)}`);
    this.d.events.emit('cooldown', encode(channel.id, { until: now + ms, failedAt: now, level }));
  }
}

function answerOf(f: Failure): string {
  const what = f.status === 0 ? 'no answer' : `HTTP ${f.status}`;
  const body = f.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return body ? `${what}: ${body}` : what;
}
