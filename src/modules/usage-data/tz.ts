/**
 * Local days in an IANA time zone, with Intl only (no tz database of our own). A day bucket is the set
 * of UTC hour buckets whose start instant falls on that local date; its `created_at` is the instant of
 * that local midnight. In whole-hour zones that is exactly the local day; in half-hour zones (Asia/Kolkata,
 * UTC+5:30) the hour bucket starting at 23:30 local belongs to the day it starts in, since hours are the
 * stored unit.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  try {
    format(tz);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock time of instant `t` (Unix seconds) in `tz`, itself as Unix seconds "as if UTC". */
function wall(tz: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of format(tz).formatToParts(t * 1000))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
}

/** The instant the local day containing `t` begins (DST-aware: 23- and 25-hour days come out right). */
export function localDayStart(tz: string, t: number): number {
  const w = wall(tz, t);
  const midnight = w - (((w % 86_400) + 86_400) % 86_400);
  // the instant whose wall time is `midnight`: correct the guess by the offset in force at the guess
  let guess = midnight - (w - t);
  guess = midnight - (wall(tz, guess) - guess);
  return guess;
}
