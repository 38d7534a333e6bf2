import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createClient } from 'redis';
import { memoryRateLimitStore, type RateLimitStore, redisRateLimitStore } from '../src/http/rate-limit.ts';

async function countWindow(store: RateLimitStore, key: string, hits: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < hits; i++) out.push(await store.hit(key, 60));
  return out;
}

describe('rate limit stores', () => {
  test('memory: counts per key within a window, restarts after it', async () => {
    let now = 1_000_000;
    const store = memoryRateLimitStore(() => now);
    assert.deepEqual(await countWindow(store, 'a', 3), [1, 2, 3]);
    assert.deepEqual(await countWindow(store, 'b', 1), [1]);
    now += 60_000;
    assert.deepEqual(await countWindow(store, 'a', 1), [1]);
  });

  const url = process.env.TEST_REDIS_URL;
  if (!url) console.log('# skip: TEST_REDIS_URL is not set: Redis rate-limit test skipped');
  test('redis: two instances share one count, and the key expires', { skip: !url }, async () => {
    const a = createClient({ url });
    const b = createClient({ url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const key = `test:${randomBytes(6).toString('hex')}`;
      const s1 = redisRateLimitStore(a as any);
      const s2 = redisRateLimitStore(b as any);
      assert.equal(await s1.hit(key, 60), 1);
      assert.equal(await s2.hit(key, 60), 2);
      assert.equal(await s1.hit(key, 60), 3);
      const ttl = await a.ttl(`tg:rl:${key}`);
      assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
    } finally {
      await Promise.all([a.quit(), b.quit()]);
    }
  });
});
