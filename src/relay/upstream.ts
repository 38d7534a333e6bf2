import { Agent, type Dispatcher, request } from 'undici';
import type { UpstreamRequest } from './providers/types.ts';

export interface UpstreamOptions {
  /** sockets per upstream origin (keep-alive pool bound) */
  connections?: number;
  connectTimeoutMs?: number;
  /** until the response headers (first byte); non-stream answers only send headers when done */
  headersTimeoutMs?: number;
  /** longest silence between two body chunks (idle stream) */
  bodyTimeoutMs?: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** One shared undici Agent for every upstream call: keep-alive pools, bounded, with timeouts. */
export class UpstreamClient {
  readonly agent: Agent;

  constructor(o: UpstreamOptions = {}) {
    this.agent = new Agent({
      connections: o.connections ?? 256,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: o.connectTimeoutMs ?? 10_000 },
      headersTimeout: o.headersTimeoutMs ?? 300_000,
      bodyTimeout: o.bodyTimeoutMs ?? 120_000,
    });
  }

  /** `limits` (ms) override the Agent's: time to the response headers, longest silence in the body. */
  send(
    req: UpstreamRequest,
    signal?: AbortSignal,
    limits: { headersTimeout?: number; bodyTimeout?: number } = {},
  ): Promise<UpstreamResponse> {
    return request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: this.agent,
      signal,
      ...limits,
    });
  }

  /** A GET (the upstream's model list), through the same pools. */
  get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<UpstreamResponse> {
    return request(url, { method: 'GET', headers, dispatcher: this.agent, signal });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Reads at most `limit` bytes of an error body (and discards the rest), as text. */
export async function readLimited(res: UpstreamResponse, limit = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      if (size < limit) parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch {
    // a broken error body still tells us the status
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
