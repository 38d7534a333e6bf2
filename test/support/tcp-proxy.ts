/**
 * A loopback TCP proxy in front of a real service (PostgreSQL, MariaDB, Redis) that a fault test can
 * break: `cut()` resets every open connection and refuses new ones (a restart or a crash), `freeze()`
 * keeps connections open but passes no byte either way (a hung server or a network partition),
 * `restore()` heals both.
 *
 *   const proxy = await startTcpProxy(5432);      // proxy.port forwards to 127.0.0.1:5432
 *   proxy.cut(); … proxy.restore();
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** rewrites a service URL (postgres://…:5432/db) to go through the proxy */
  url(serviceUrl: string): string;
  cut(): void;
  freeze(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'open' | 'cut' | 'frozen' = 'open';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (mode === 'frozen') hold(pair);
    else flow(pair);
  });
  // unpiped and paused, not just paused: a pipe resumes its source on the destination's 'drain'
  const hold = ({ client, upstream }: { client: Socket; upstream: Socket }) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const flow = ({ client, upstream }: { client: Socket; upstream: Socket }) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url(serviceUrl) {
      const u = new URL(serviceUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      mode = 'cut';
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    freeze() {
      mode = 'frozen';
      for (const pair of pairs) hold(pair);
    },
    restore() {
      if (mode === 'frozen') for (const pair of pairs) flow(pair);
      mode = 'open';
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
