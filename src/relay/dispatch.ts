import type { ChannelHealth } from './channel-health.ts';
import { mapModel, pickChannel } from './channel-select.ts';
import { adapterFor } from './providers/index.ts';
import type { Attempt, Candidate, Dispatched, RelayContext } from './relay-context.ts';
import { readLimited, type UpstreamClient } from './upstream.ts';

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

const URL_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;
const IPV4_RE = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;
// IPv6: all eight groups, or any compressed form (with "::"); times like 12:30:45 are neither
const IPV6_RE =
  /\[?(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)\]?(?::\d{1,5})?/gi;
const HOST_RE = /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?\b/gi;
const KEYLIKE_RE = /\b(?:bearer\s+)?(?:sk|pk|rk|ak|key|token)[-_][A-Za-z0-9_-]{6,}|\b[A-Za-z0-9_-]{32,}\b/gi;

/**
 * Upstream error text as a client (or a user's log) may see it (CONTRACT §10): URLs, IP addresses, host
 * names and anything shaped like a key are replaced. Admins keep the fuller text in the log's admin_info.
 */
export function redactUpstreamText(text: string): string {
  return text
    .replace(URL_RE, '[url]')
    .replace(KEYLIKE_RE, '[redacted]')
    .replace(IPV4_RE, '[address]')
    .replace(IPV6_RE, '[address]')
    .replace(HOST_RE, '[host]');
}

/** undici's connect/headers/body timeouts, or the call's own AbortSignal.timeout */
function timedOut(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | string;
  if (typeof e === 'string') return e.startsWith('upstream timed out');
  return /TIMEOUT/.test(e?.code ?? '') || e?.name === 'TimeoutError';
}

/**
 * A non-stream attempt's signal: the client leaving, or the call's time limit, whichever comes first.
 * One controller and one timer, released by `done()` when the answer has been read (the relay calls it
 * as the call ends): AbortSignal.any over AbortSignal.timeout cost 31 µs a call on Node 20 and left a
 * timer and weak references behind for the whole limit (minutes) after every call.
 */
export function callDeadline(clientLeft: AbortSignal, ms: number): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const left = () => ac.abort(clientLeft.reason);
  if (clientLeft.aborted) left();
  else clientLeft.addEventListener('abort', left, { once: true });
  const timer = setTimeout(
    () => ac.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  return {
    signal: ac.signal,
    done() {
      clearTimeout(timer);
      clientLeft.removeEventListener('abort', left);
    },
  };
}

const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e?.code ? `${e.code}: ${e.message ?? ''}`.slice(0, 300) : String(e?.message ?? err).slice(0, 300);
}

import type { AttemptLimits } from '../shared/channel.ts';

export type { AttemptLimits };

/** The client left: what is answered (499) and logged, with the attempts made so far. */
export const CLIENT_LEFT = 'client closed the connection';

/**
 * Calls the upstream, retrying on another channel (never the same twice) after a connect error, a
 * timeout, 429 or 5xx, up to `retries` further attempts (CONTRACT §8, §12). Returns the first 2xx answer;
 * its body is not read (a non-stream body stays under the call's time limit through `signal`). The
 * client leaving (`clientLeft`) cancels the attempt under way: an UpstreamFailure 499 with its attempts.
 */
export async function dispatch(
  rc: RelayContext,
  client: UpstreamClient,
  health: ChannelHealth,
  retries: number,
  clientLeft: AbortSignal,
  limits: AttemptLimits,
): Promise<Dispatched> {
  const tried = new Set<number>();
  const attempts: Attempt[] = [];
  let last: { status: number; message: string; channel?: Candidate } = {
    status: 0,
    message: 'no upstream answered',
  };
  for (let i = 0; i <= retries; i++) {
    const channel = pickChannel(health.usable(rc.candidates, tried), tried);
    if (!channel) break;
    tried.add(channel.id);
    // candidates were chosen among the channels able to serve the endpoint (pipeline.prepare)
    const adapter = adapterFor(channel.type, rc.endpoint, channel)!;
    const req = adapter.buildRequest({
      endpoint: rc.endpoint,
      body: rc.body,
      chat: rc.chat,
      forward: rc.forward,
      apiVersion: channel.apiVersion,
      model: mapModel(channel.model_mapping, rc.model),
      stream: rc.stream,
      baseUrl: channel.base_url,
      key: channel.key,
    });
    const t0 = Date.now();
    let status = 0;
    let body = '';
    let message: string;
    // streams: first byte, then idle gaps; non-stream: the whole call, body included; the channel's own
    // limits (channels.settings) over the options'
    const lim = channel.limits ? { ...limits, ...channel.limits } : limits;
    const deadline = rc.stream ? undefined : callDeadline(clientLeft, lim.callMs);
    const signal = deadline?.signal ?? clientLeft;
    let answered = false;
    const timeouts = rc.stream
      ? { headersTimeout: lim.firstByteMs, bodyTimeout: lim.idleMs }
      : { headersTimeout: lim.callMs, bodyTimeout: lim.idleMs };
    try {
      const res = await client.send(req, signal, timeouts);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        health.success(channel.id);
        attempts.push({
          channel_id: channel.id,
          channel_name: channel.name,
          status: res.statusCode,
          ms: Date.now() - t0,
        });
        answered = true;
        return { channel, adapter, res, attempts, release: deadline?.done };
      }
      status = res.statusCode;
      body = redactKey(await readLimited(res), channel.key);
      message = redactKey(adapter.errorMessage(status, body), channel.key);
    } catch (err) {
      if (clientLeft.aborted) {
        attempts.push({
          channel_id: channel.id,
          channel_name: channel.name,
          status: 0,
          ms: Date.now() - t0,
          error: CLIENT_LEFT,
        });
        throw new UpstreamFailure(499, CLIENT_LEFT, attempts, channel);
      }
      message = timedOut(err)
        ? `upstream timed out (${describe(err)})`
        : `upstream unreachable (${describe(err)})`;
    } finally {
      // a failed attempt's deadline ends here; a success hands its own to the caller (`release`)
      if (!answered) deadline?.done();
    }
    attempts.push({
      channel_id: channel.id,
      channel_name: channel.name,
      status,
      ms: Date.now() - t0,
      error: message,
    });
    health.failure(channel, { status, body: status === 0 ? message : body });
    // the client and the log's content get the upstream's own error text, or a line without addresses;
    // the connection detail stays in admin_info (admins only)
    last = {
      status,
      message:
        status !== 0
          ? message
          : timedOut(message)
            ? 'the upstream did not answer in time'
            : 'the upstream could not be reached',
      channel,
    };
    if (!retryable(status)) break;
  }
  throw new UpstreamFailure(last.status, last.message, attempts, last.channel);
}
