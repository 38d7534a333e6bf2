import type { FastifyRequest } from 'fastify';
import type { RedisClientType } from 'redis';
import { tooManyRequests } from './errors.ts';

/** Counts hits per key in fixed windows. One store per app; a Redis store shares counts across instances. */
export interface RateLimitStore {
  /** Records one hit and returns the number of hits in the current window, this one included. */
  hit(key: string, windowSec: number): Promise<number>;
}

export function memoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, windowSec) {
      const t = now();
      if (windows.size > 50_000) {
        for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
      }
      const w = windows.get(key);
      if (!w || w.resetAt <= t) {
        windows.set(key, { count: 1, resetAt: t + windowSec * 1000 });
        return 1;
      }
      w.count += 1;
      return w.count;
    },
  };
}

export function redisRateLimitStore(client: RedisClientType<any, any, any, any, any>): RateLimitStore {
  return {
    async hit(key, windowSec) {
      const k = `tg:rl:${key}`;
      // INCR then EXPIRE NX: the first hit of a window sets its lifetime; one round trip.
      const [count] = await client.multi().incr(k).expire(k, windowSec, 'NX').exec();
      return Number(count);
    },
  };
}

/**
 * Redis as an accelerator, never a dependency (CONTRACT §12): each hit goes to `shared` but waits at most
 * `timeoutMs`; when Redis fails or is slow, the hit counts in this process's own windows instead (limits
 * then hold per instance, not across them). `onOutage(true|false)` is called when that starts and ends.
 */
export function fallbackRateLimitStore(
  shared: RateLimitStore,
  local: RateLimitStore,
  onOutage: (down: boolean, err?: unknown) => void = () => {},
  timeoutMs = 25,
): RateLimitStore {
  let down = false;
  return {
    async hit(key, windowSec) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const count = await Promise.race([
          shared.hit(key, windowSec),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        if (down) {
          down = false;
          onOutage(false);
        }
        return count;
      } catch (err) {
        if (!down) {
          down = true;
          onOutage(true, err);
        }
        return local.hit(key, windowSec);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface RateLimitRule {
  /** counted on its own: each route has its own name */
  name: string;
  max: number;
  windowSec: number;
  /** what to count by; defaults to the client IP */
  key?: (request: FastifyRequest) => string;
}

/** A preHandler enforcing `rule`; over the limit → 429 with the envelope. */
export function rateLimit(store: RateLimitStore, rule: RateLimitRule) {
  if (rule.max <= 0 || rule.windowSec <= 0)
    throw new Error(`rate limit ${rule.name}: max and window must be > 0`);
  const keyOf = rule.key ?? ((request: FastifyRequest) => request.ip);
  return async (request: FastifyRequest) => {
    const count = await store.hit(`${rule.name}:${keyOf(request)}`, rule.windowSec);
    if (count > rule.max) throw tooManyRequests();
  };
}
