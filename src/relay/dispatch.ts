import { mapModel, pickChannel } from './channel-select.ts';
import { adapterFor } from './providers/index.ts';
import type { Attempt, Candidate, Dispatched, RelayContext } from './relay-context.ts';
import { type ChannelHealth, readLimited, type UpstreamClient } from './upstream.ts';

/** The request finally failed upstream: the last status (0 when nobody answered) and every attempt. */
export class UpstreamFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly attempts: Attempt[],
    readonly channel: Candidate | undefined,
  ) {
    super(message);
  }
}

/** Some upstreams echo the key they were given: never let it into a log or an answer. */
export function redactKey(text: string, key: string): string {
  return key.length >= 8 ? text.replaceAll(key, '[redacted]') : text;
}

const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.code ? `${e.code}: ${e.message ?? ''}`.slice(0, 300) : String(e?.message ?? err).slice(0, 300);
}

/**
 * Calls the upstream, retrying on another channel (never the same twice) after a connect error, 429 or
 * 5xx, up to `retries` further attempts (SPEC §8). Returns the first 2xx answer; its body is not read.
 */
export async function dispatch(
  rc: RelayContext,
  client: UpstreamClient,
  health: ChannelHealth,
  retries: number,
  signal: AbortSignal | undefined,
): Promise<Dispatched> {
  const tried = new Set<number>();
  const attempts: Attempt[] = [];
  let last: { status: number; message: string; channel?: Candidate } = {
    status: 0,
    message: 'no upstream answered',
  };
  for (let i = 0; i <= retries; i++) {
    const channel = pickChannel(rc.candidates, tried);
    if (!channel) break;
    tried.add(channel.id);
    const adapter = adapterFor(channel.type);
    const req = adapter.buildRequest({
      endpoint: rc.endpoint,
      body: rc.body,
      model: mapModel(channel.model_mapping, rc.model),
      stream: rc.stream,
      baseUrl: channel.base_url,
      key: channel.key,
    });
    const t0 = Date.now();
    let status = 0;
    let message: string;
    try {
      const res = await client.send(req, signal);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        health.success(channel.id);
        attempts.push({
          channel_id: channel.id,
          channel_name: channel.name,
          status: res.statusCode,
          ms: Date.now() - t0,
        });
        return { channel, adapter, res, attempts };
      }
      status = res.statusCode;
      message = adapter.errorMessage(status, await readLimited(res));
      message = redactKey(message, channel.key);
    } catch (err) {
      if (signal?.aborted) throw err;
      message = `upstream unreachable (${describe(err)})`;
    }
    attempts.push({
      channel_id: channel.id,
      channel_name: channel.name,
      status,
      ms: Date.now() - t0,
      error: message,
    });
    health.failure(channel.id, status);
    // the client and the log's content get the upstream's own error text, or a line without addresses;
    // the connection detail stays in admin_info (admins only)
    last = { status, message: status === 0 ? 'the upstream could not be reached' : message, channel };
    if (!retryable(status)) break;
  }
  throw new UpstreamFailure(last.status, last.message, attempts, last.channel);
}
