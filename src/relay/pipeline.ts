import type { EventBus } from '../events.ts';
import type { RelayObservation } from '../metrics.ts';
import type { LogWriter } from '../modules/logs/log-types.ts';
import { LogType } from '../modules/logs/log-types.ts';
import type { OptionsService } from '../modules/options/options.service.ts';
import { CHANNEL_STATUS } from '../shared/enums.ts';
import {
  AUDIO_TOKENS_PER_SECOND,
  computeQuota,
  estimateAudioSeconds,
  isPriceBilled,
  priceUnits,
  resolvePricing,
} from './billing.ts';
import { ChannelHealth } from './channel-health.ts';
import { dispatch } from './dispatch.ts';
import { PricingCache } from './pricing-tables.ts';
import { adapterFor, CODECS, speaksNatively } from './providers/index.ts';
import { type Endpoint, GENERATIVE, isAudioUpload, STREAMING } from './providers/types.ts';
import type { QuotaRepo, Reservation } from './quota.repo.ts';
import type { Candidate, ChannelSource, Dispatched, RelayContext } from './relay-context.ts';
import { type RelayAuth, RelayError, type TokenAuth } from './token-auth.ts';
import { countPrompt, type TokenCounter } from './tokenizer.ts';
import { TtlCache } from './ttl-cache.ts';
import type { UpstreamClient } from './upstream.ts';

export interface RelayDeps {
  tokenAuth: TokenAuth;
  channels: ChannelSource;
  quota: QuotaRepo;
  options: OptionsService;
  logWriter: LogWriter;
  upstream: UpstreamClient;
  events: EventBus;
  counter: TokenCounter;
  /** this instance's id in the reservation journal (journal.ts) */
  owner: string;
  /** metrics (CONTRACT §11), when kept: each finished call, each channel disabled automatically */
  observe?: (o: RelayObservation) => void;
  onChannelDisabled?: () => void;
  /** a reservation that failed with an unknown outcome (settle.ts refunds it if it landed) */
  onUnknownReservation?: (requestId: string, r: Reservation, tokenKey: string) => void;
}

/**
 * Completion tokens a call reserves (CONTRACT §10): the client's `max_tokens` (or `max_completion_tokens`),
 * else `fallback` (option DefaultCompletionReserve); nothing for embeddings, which generate no text.
 */
export function completionToReserve(endpoint: Endpoint, body: Record<string, any>, fallback: number): number {
  if (!GENERATIVE.has(endpoint)) return 0;
  const asked = Number(body.max_completion_tokens ?? body.max_tokens ?? 0);
  return Number.isSafeInteger(asked) && asked > 0 ? asked : Math.max(0, fallback);
}

export interface IncomingCall {
  /** the caller, authenticated from the headers before the body was read */
  auth: RelayAuth;
  requestId: string;
  ip: string;
  path: string;
  headers: Record<string, unknown>;
  endpoint: Endpoint;
  body: Record<string, any>;
  /** client headers a passthrough forwards */
  forward?: Record<string, string>;
}

/**
 * The relay pipeline up to the upstream answer: auth → pricing → channel candidates → reservation
 * (prepare), then the upstream call with retries (dispatch). Settling and logging live in settle.ts.
 */
export class RelayPipeline {
  readonly pricing: PricingCache;
  readonly health: ChannelHealth;
  /** (group, model) → candidates, 5 s; dropped whole on any channel change */
  private readonly routes = new TtlCache<string, Candidate[]>(5000, 10_000);

  constructor(readonly deps: RelayDeps) {
    this.pricing = new PricingCache(deps.options, deps.events);
    const systemLog = (c: Candidate, text: string) =>
      deps.logWriter.write({
        type: LogType.System,
        user_id: 0,
        username: '',
        channel_id: c.id,
        content: `channel #${c.id} "${c.name}" ${text}`,
      });
    this.health = new ChannelHealth({
      events: deps.events,
      autoDisable: () => deps.options.bool('AutomaticDisableChannelEnabled'),
      disable: async (c, why) => {
        await deps.channels.setStatus(c.id, CHANNEL_STATUS.AutoDisabled, CHANNEL_STATUS.Enabled, why); // never over an admin's own disable
        deps.events.emit('channel', c.id);
        deps.onChannelDisabled?.();
        systemLog(c, `disabled automatically after: ${why}`);
      },
      systemLog,
    });
    deps.events.on('channel', () => this.routes.clear());
  }

  async candidates(group: string, model: string): Promise<Candidate[]> {
    const key = `${group}\u0000${model}`;
    let list = this.routes.get(key);
    if (!list) {
      list = await this.deps.channels.routeCandidates(group, model);
      this.routes.set(key, list);
    }
    return list;
  }

  async prepare(call: IncomingCall): Promise<RelayContext> {
    const startedAt = Date.now();
    const now = Math.floor(startedAt / 1000);
    const auth = call.auth;
    const model: string = call.body.model;
    this.deps.tokenAuth.checkModel(auth, model);
    let candidates = (await this.candidates(auth.group, model)).filter(
      (c) => adapterFor(c.type, call.endpoint, c) !== null,
    );
    if (auth.pinnedChannel !== null) candidates = candidates.filter((c) => c.id === auth.pinnedChannel);
    if (candidates.length === 0)
      throw new RelayError(
        503,
        `no available channel for model ${model} in group ${auth.group}`,
        'model_not_available',
      );
    // Responses state lives at OpenAI: only its own channels can keep or continue a conversation
    if (call.endpoint === 'responses' && (call.body.previous_response_id || call.body.store === true)) {
      candidates = candidates.filter((c) => speaksNatively(c.type, 'responses', c));
      if (candidates.length === 0)
        throw new RelayError(
          400,
          `store and previous_response_id need an OpenAI channel; the channels of ${model} answer Responses calls statelessly (send store: false and the whole input)`,
          'stateful_responses_unsupported',
        );
    }
    // after the channel (CONTRACT §8): a model nobody serves is 503 whether priced or not
    const pricing = resolvePricing(this.pricing.get(), model, auth.group);
    if (!pricing) throw new RelayError(403, `model price not configured: ${model}`, 'model_price_error');

    const record = {
      log: this.deps.options.bool('LogConsumeEnabled'),
      rollup: this.deps.options.bool('DataExportEnabled'),
    };
    // Messages, Responses and Gemini calls are counted (and, for other formats' channels, sent) as chat
    const codec = CODECS[call.endpoint];
    let chat: Record<string, any>;
    try {
      chat = codec ? codec.toChat(call.body) : call.body;
    } catch {
      // the converters read defensively; this is the net under them: bad input is a 400, never a 500
      throw new RelayError(
        400,
        `body: cannot be read as a ${call.endpoint} request`,
        'invalid_request_error',
      );
    }
    const countAs = codec ? 'chat' : call.endpoint;
    const stream = chat.stream === true && STREAMING.has(call.endpoint);
    const promptEstimate = isAudioUpload(call.endpoint)
      ? estimateAudioSeconds(Number(call.body.file?.size ?? 0)) * AUDIO_TOKENS_PER_SECOND
      : await countPrompt(this.deps.counter, countAs, chat, model, true);
    const completionReserve = completionToReserve(
      countAs,
      chat,
      this.deps.options.int('DefaultCompletionReserve'),
    );
    const amount = isPriceBilled(pricing)
      ? computeQuota(pricing, { prompt: 0, completion: 0, units: priceUnits(call.endpoint, call.body) })
      : computeQuota(pricing, { prompt: promptEstimate, completion: completionReserve });
    const reservation = {
      userId: auth.user.id,
      tokenId: auth.token.id,
      limitedToken: !auth.token.unlimited_quota,
      amount,
    };
    const reserving = this.deps.quota.reserve(reservation, now, {
      request_id: call.requestId,
      owner: this.deps.owner,
      created_at: now,
      username: auth.user.username,
      token_name: auth.token.name.slice(0, 255),
      model_name: model.slice(0, 255),
      group: auth.group,
      ip: call.ip,
      path: call.path.slice(0, 255),
      is_stream: stream ? 1 : 0,
      rollup: record.rollup ? 1 : 0,
    });
    let reserved: Awaited<typeof reserving>;
    try {
      reserved = await reserving;
    } catch (err) {
      // the outcome is unknown (a statement timeout, a connection lost around COMMIT): should it land
      // after all, its journal row is refunded by the ledger, which touches only rows that exist
      this.deps.onUnknownReservation?.(call.requestId, reservation, auth.token.key);
      throw err;
    }
    if (reserved === 'token') {
      if (await this.deps.quota.markExhausted(auth.token.id)) this.deps.events.emit('token', auth.token.key);
      throw new RelayError(
        403,
        'this API key has not enough quota left for this call',
        'token_quota_exhausted',
      );
    }
    if (reserved === 'user') throw new RelayError(403, 'user quota is not enough', 'insufficient_user_quota');
    return {
      requestId: call.requestId,
      ip: call.ip,
      path: call.path,
      endpoint: call.endpoint,
      body: call.body,
      chat,
      forward: call.forward,
      model,
      stream,
      clientWantsUsage: call.body.stream_options?.include_usage === true,
      startedAt,
      auth,
      pricing,
      candidates,
      promptEstimate,
      completionReserve,
      record,
      reservation,
    };
  }

  dispatch(rc: RelayContext, clientLeft: AbortSignal): Promise<Dispatched> {
    const o = this.deps.options;
    const retries = Math.max(0, o.int('RetryTimes'));
    return dispatch(rc, this.deps.upstream, this.health, retries, clientLeft, {
      callMs: o.int('RelayTimeout') * 1000,
      firstByteMs: o.int('StreamFirstByteTimeout') * 1000,
      idleMs: o.int('StreamIdleTimeout') * 1000,
    });
  }
}
