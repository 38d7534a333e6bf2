import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { DbHandle } from '../db/connect.ts';
import type { LogDatabase, MainDatabase } from '../db/schema.ts';
import type { EventBus } from '../events.ts';
import type { Metrics, RelayObservation } from '../metrics.ts';
import type { LogWriter } from '../modules/logs/log-types.ts';
import type { OptionsService } from '../modules/options/options.service.ts';
import { TOKEN_STATUS } from '../shared/enums.ts';
import { CLIENT_LEFT, UpstreamFailure } from './dispatch.ts';
import { CallJournal, type JournalTiming, type RecoveryResult } from './journal.ts';
import { RelayPipeline } from './pipeline.ts';
import { CODECS } from './providers/index.ts';
import { type Endpoint, isAudioUpload } from './providers/types.ts';
import { QuotaRepo } from './quota.repo.ts';
import { parseCountBody, parseRelayBody } from './relay.schema.ts';
import type { ChannelSource, Dispatched } from './relay-context.ts';
import { respondAudioText, respondBinary, respondJson, respondStream } from './respond.ts';
import { Settlement } from './settle.ts';
import { StreamBudget } from './stream-budget.ts';
import { type RelayAuth, RelayError, TokenAuth, type TokenSource, type UserSource } from './token-auth.ts';
import { countPrompt, TokenCounter } from './tokenizer.ts';
import type { UpstreamClient } from './upstream.ts';

/**
 * Anthropic beta flags a client may turn on through Tollgate: the ones that change how a call is shaped,
 * not what it costs or what it reaches. Dropped: long context at premium prices (context-1m), longer
 * cache lifetimes billed at more than one cache write, server tools billed per use (code execution, web
 * fetch, MCP), and the Files API (the channel owner's workspace).
 */
const ANTHROPIC_BETAS =
  /^(claude-code|interleaved-thinking|fine-grained-tool-streaming|token-efficient-tools|prompt-caching|context-management|output-128k|computer-use)-[\w-]+$/;

/** The client headers an Anthropic passthrough forwards (its API version and the allowed beta flags). */
function anthropicHeaders(h: FastifyRequest['headers']): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const version = h['anthropic-version'];
  if (typeof version === 'string' && /^[\w.-]{1,40}$/.test(version)) out['anthropic-version'] = version;
  const beta = h['anthropic-beta'];
  if (typeof beta === 'string' && beta.length <= 1000) {
    const kept = beta
      .split(',')
      .map((b) => b.trim())
      .filter((b) => ANTHROPIC_BETAS.test(b));
    if (kept.length) out['anthropic-beta'] = kept.join(',');
  }
  return Object.keys(out).length ? out : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the relay caller, authenticated before the body is read (relay.routes.ts) */
    relayAuth?: RelayAuth;
  }
}

export interface RelayServiceDeps {
  main: DbHandle<MainDatabase>;
  /** the log database: the journal's recovery looks up the logs of orphaned calls there */
  logs: DbHandle<LogDatabase>;
  tokens: TokenSource;
  users: UserSource;
  channels: ChannelSource;
  options: OptionsService;
  logWriter: LogWriter;
  events: EventBus;
  log: FastifyBaseLogger;
  /** the upstream client (keep-alive pools), shared with the channel probe; its owner closes it */
  upstream: UpstreamClient;
  /** settlements the database cannot take at shutdown wait here for the next start */
  quotaSpoolPath?: string;
  /** the reservation journal's heartbeat and orphan bound (tests shorten them) */
  journal?: Partial<JournalTiming>;
  /** metrics, when kept (CONTRACT §11) */
  metrics?: Metrics | null;
}

/** The relay as the routes see it: handle one call, list models, and drain on shutdown. */
export class RelayService {
  readonly pipeline: RelayPipeline;
  readonly settlement: Settlement;
  readonly journal: CallJournal;
  private readonly quota: QuotaRepo;
  private readonly upstream: UpstreamClient;
  private readonly tokenAuth: TokenAuth;
  private readonly counter = new TokenCounter();
  /** calls under way, each with the controller that cancels it (shutdown cancels what outlives the grace) */
  private readonly inflight = new Set<AbortController>();
  private draining = false;
  private drained: (() => void) | null = null;

  private readonly spoolPath: string | undefined;
  private readonly log: FastifyBaseLogger;

  constructor(d: RelayServiceDeps) {
    this.spoolPath = d.quotaSpoolPath;
    this.log = d.log;
    this.quota = new QuotaRepo(d.main);
    this.upstream = d.upstream;
    this.tokenAuth = new TokenAuth(d.tokens, d.users, d.events, async (token, status) => {
      if (status === TOKEN_STATUS.Expired) await this.quota.markExpired(token.id);
      else await this.quota.markExhausted(token.id);
      d.events.emit('token', token.key);
    });
    this.journal = new CallJournal({
      main: d.main,
      logs: d.logs,
      quota: this.quota,
      logWriter: d.logWriter,
      timing: d.journal,
      onError: (err) => d.log.error({ err }, 'reservation journal: recovery failed; retrying'),
      onRecovered: (r: RecoveryResult) =>
        d.log.warn(r, 'reservation journal: calls of a stopped instance settled'),
    });
    const deps = {
      owner: this.journal.id,
      observe: d.metrics ? (o: RelayObservation) => d.metrics!.relay(o) : undefined,
      onChannelDisabled: d.metrics ? () => d.metrics!.channelDisabled() : undefined,
      tokenAuth: this.tokenAuth,
      channels: d.channels,
      quota: this.quota,
      options: d.options,
      logWriter: d.logWriter,
      upstream: this.upstream,
      events: d.events,
      counter: this.counter,
    };
    this.pipeline = new RelayPipeline({
      ...deps,
      onUnknownReservation: (id, r, key) => this.settlement.unknownReservation(id, r, key),
    });
    this.settlement = new Settlement(deps, (err) => d.log.error({ err }, 'relay settlement failed'));
  }

  /**
   * The token and its user, from the request's headers (401/403 as CONTRACT §8 says): `Authorization:
   * Bearer`, `x-api-key` (Anthropic), `x-goog-api-key` or `?key=` (Gemini; the server log redacts it).
   */
  authenticate(request: FastifyRequest): Promise<RelayAuth> {
    const h = request.headers;
    const apiKey =
      h['x-api-key'] ?? h['x-goog-api-key'] ?? (request.query as { key?: unknown } | undefined)?.key;
    return this.tokenAuth.authenticate(
      { authorization: h.authorization, 'x-api-key': apiKey },
      request.ip,
      Math.floor(Date.now() / 1000),
    );
  }

  async handle(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (this.draining)
      throw new RelayError(503, 'the server is shutting down: retry the call', 'shutting_down');
    // A client that leaves cancels the upstream call (CONTRACT §12): a stream is billed for what it sent, a
    // non-stream call that had not been answered is refunded and logged as 499. Watched from the start,
    // so a client gone while the call was being prepared is noticed too.
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    if (reply.raw.destroyed) abort.abort();
    this.inflight.add(abort);
    try {
      return await this.run(endpoint, request, reply, abort);
    } finally {
      this.inflight.delete(abort);
      if (this.inflight.size === 0) this.drained?.();
    }
  }

  /**
   * Shutdown (CONTRACT §12): new calls are refused with 503 (a load balancer retries them elsewhere), calls
   * under way get `graceMs` to finish, and the rest are cancelled as if their clients had left: a stream
   * is billed for what it sent, a non-stream call refunded, each logged.
   */
  async drain(graceMs: number): Promise<{ finished: number; cancelled: number }> {
    this.draining = true;
    const before = this.inflight.size;
    const allDone = () =>
      new Promise<void>((resolve) => {
        if (this.inflight.size === 0) resolve();
        else this.drained = resolve;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allDone(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    const cancelled = this.inflight.size;
    for (const abort of this.inflight) abort.abort();
    await allDone();
    return { finished: before - cancelled, cancelled };
  }

  private async run(
    endpoint: Endpoint,
    request: FastifyRequest,
    reply: FastifyReply,
    abort: AbortController,
  ): Promise<unknown> {
    const body = parseRelayBody(endpoint, request.body);
    const rc = await this.pipeline.prepare({
      forward: endpoint === 'messages' ? anthropicHeaders(request.headers) : undefined,
      auth: request.relayAuth ?? (await this.authenticate(request)),
      requestId: request.id,
      ip: request.ip,
      path: request.url.split('?')[0],
      headers: request.headers,
      endpoint,
      body,
    });
    // the request's log lines ("request completed" with status and time) name the call: who, which
    // key (its id, never the key), which model, and below which channel answered (issue 18)
    // one child logger per call, made once the channel is known
    const bind = (channel: number | undefined) => {
      const log = request.log.child({
        user_id: rc.auth.user.id,
        token_id: rc.auth.token.id,
        model: rc.model,
        stream: rc.stream,
        channel,
      });
      request.log = log;
      reply.log = log;
    };
    let bound = false;
    let d: Dispatched | undefined;
    // the one place a call is settled: its outcome, or its failure (refunded, logged as an error)
    try {
      d = await this.pipeline.dispatch(rc, abort.signal);
      bind(d.channel.id);
      bound = true;
      const budget = (takeText: () => string) => new StreamBudget(rc, this.counter, this.quota, takeText);
      const outcome = rc.stream
        ? await respondStream(rc, d, reply, abort.signal, budget)
        : endpoint === 'speech'
          ? await respondBinary(rc, d, reply, abort.signal)
          : isAudioUpload(endpoint)
            ? await respondAudioText(rc, d, reply, abort.signal)
            : await respondJson(rc, d, reply, abort.signal);
      this.settlement.succeed(rc, outcome);
      return reply;
    } catch (err) {
      if (!bound) bind(err instanceof UpstreamFailure ? err.channel?.id : undefined);
      if (err instanceof UpstreamFailure) {
        // cancelled by shutdown, not by the client: a retryable 503 for a client that is still there
        const f =
          err.status === 499 && this.draining && !reply.raw.destroyed
            ? new UpstreamFailure(
                503,
                'the server is shutting down: retry the call',
                err.attempts,
                err.channel,
              )
            : err;
        throw this.settlement.fail(rc, f);
      }
      const left = abort.signal.aborted;
      if (!left) request.log.error({ err }, 'relay dispatch failed');
      const why = left ? CLIENT_LEFT : 'the relay failed before the upstream answered';
      throw this.settlement.fail(rc, new UpstreamFailure(left ? 499 : 502, why, [], undefined));
    } finally {
      d?.release?.();
    }
  }

  /**
   * GET /v1/models (and Gemini's /v1beta/models): the token's model limits, else the models of the
   * channels serving its group, in the asking client's format (Anthropic's when `anthropic-version` is
   * sent).
   */
  async models(request: FastifyRequest, format: 'openai' | 'gemini' = 'openai') {
    const auth = request.relayAuth ?? (await this.authenticate(request));
    const ids = auth.models ? [...auth.models].sort() : await this.quota.groupModels(auth.group);
    if (format === 'gemini')
      return {
        models: ids.map((id) => ({
          name: `models/${id}`,
          baseModelId: id,
          displayName: id,
          supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
        })),
      };
    if (request.headers['anthropic-version'])
      return {
        data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '1970-01-01T00:00:00Z' })),
        has_more: false,
        first_id: ids[0] ?? null,
        last_id: ids.at(-1) ?? null,
      };
    return {
      object: 'list',
      data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'tollgate' })),
    };
  }

  /**
   * Anthropic's `/v1/messages/count_tokens` and Gemini's `:countTokens`: the prompt counted here with the
   * relay's tokenizer (the estimate reservations use; not billed, not logged). A model the key may not
   * use is refused as a call would be.
   */
  async countTokens(kind: 'messages' | 'gemini', request: FastifyRequest, model?: string) {
    const auth = request.relayAuth ?? (await this.authenticate(request));
    const raw = kind === 'gemini' ? { ...(request.body as object), model } : request.body;
    const body = parseCountBody(kind, raw);
    this.tokenAuth.checkModel(auth, body.model);
    const chat = CODECS[kind]!.toChat({ ...body, messages: body.messages ?? [] });
    const n = await countPrompt(this.counter, 'chat', chat, body.model);
    return kind === 'gemini' ? { totalTokens: n } : { input_tokens: n };
  }

  /** Resolves when every settlement and log of finished calls has been handed to the log writer. */
  idle(): Promise<void> {
    return this.settlement.idle();
  }

  /**
   * At start: settlements an earlier process spooled at shutdown, then the journal (heartbeat, and the
   * recovery of orphaned calls once `logsReplayed`, the log spool's replay, has landed).
   */
  async start(logsReplayed: Promise<unknown>): Promise<number> {
    const replayed = this.spoolPath ? await this.settlement.replaySpool(this.spoolPath) : 0;
    await this.journal.start(logsReplayed);
    return replayed;
  }

  async close(): Promise<void> {
    const left = await this.settlement.close(this.spoolPath);
    if (left > 0)
      this.log.warn(
        { calls: left, path: this.spoolPath },
        'calls left to settle at the next start (spooled)',
      );
    await this.journal.stop(left > 0);
    await this.counter.close();
  }
}

export { RelayError };
