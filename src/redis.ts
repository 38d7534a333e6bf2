import { createClient } from 'redis';

/**
 * The Redis client, as an accelerator and never a dependency (CONTRACT §12): commands fail at once while it
 * is away (no offline queue, so nothing waits on it), the client reconnects by itself with backoff, and
 * the caller does not wait for the first connection. One log line per outage.
 */
export function connectRedis(
  url: string,
  log: (line: string) => void = (l) => console.error(`tollgate: ${l}`),
) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
    },
  });
  let down = false;
  client.on('error', (err) => {
    if (!down) log(`Redis unavailable (${err.message}); serving without it until it is back`);
    down = true;
  });
  client.on('ready', () => {
    down = false;
  });
  client.connect().catch(() => {}); // reported by the 'error' listener; the client keeps retrying
  return client;
}
