import { randomBytes } from 'node:crypto';
import { type LogEntry, LogType } from '../modules/logs/log-types.ts';
import { appendSpool, takeSpool } from '../spool.ts';
import { computeQuota, isPriceBilled, priceUnits } from './billing.ts';
import { redactUpstreamText, type UpstreamFailure } from './dispatch.ts';
import { type CallSettlement, Ledger } from './ledger.ts';

import type { RelayDeps } from './pipeline.ts';
import { baseAdapter, speaksNatively } from './providers/index.ts';
import { type Usage, wireOf } from './providers/types.ts';
import type { Reservation } from './quota.repo.ts';
import type { Attempt, Candidate, RelayContext } from './relay-context.ts';
import { RelayError } from './token-auth.ts';
import { countPrompt } from './tokenizer.ts';

export interface Outcome {
  channel: Candidate;
  attempts: Attempt[];
  /** the upstream's usage, when it reported one */
  usage: Usage | undefined;
  /** the text produced, for the estimate when there is no usage */
  text: () => string;
  /** completion tokens already counted (a stream cut for quota: what its client received) */
  completion?: number;
  /** ms from arrival to the first upstream byte (headers, or first chunk for streams) */
  frt: number;
  /** what the usage was read from, when not the upstream's answer (speech: the input's characters) */
  usageSource?: string;
  /** extra facts for `other` (e.g. client_aborted) */
  extra?: Record<string, unknown>;
}

function other(rc: RelayContext, frt: number, usageSource: string, attempts: Attempt[], extra?: object) {
  const p = rc.pricing;
  return {
    model_ratio: p.modelRatio,
    group_ratio: p.groupRatio,
    completion_ratio: p.completionRatio,
    model_price: p.modelPrice,
    frt,
    request_path: rc.path,
    usage_source: usageSource,
    admin_info: { use_channel: attempts.map((a) => String(a.channel_id)), attempts },
    ...extra,
  };
}

/**
 * The formats a call was made and relayed in (issue 15), when either is not OpenAI's: `messages` to an
 * `openai-compatible` channel was converted through chat; `messages` to `anthropic` passed through.
 */
function formats(rc: RelayContext, channel: { type: number; responsesPassthrough?: boolean }): object {
  const upstream = baseAdapter(channel.type);
  if (
    upstream.name === 'openai-compatible' &&
    (rc.endpoint === 'chat' || rc.endpoint === 'completions' || rc.endpoint === 'embeddings')
  )
    return {};
  return {
    request_format: rc.endpoint,
    upstream_format: upstream.name,
    // converted: the channel does not take the endpoint as it is, or speaks another wire format
    converted: !speaksNatively(channel.type, rc.endpoint, channel) || wireOf(rc.endpoint) !== upstream.wire,
  };
}

function channelTypeOf(rc: RelayContext, channelId: number): number {
  return rc.candidates.find((c) => c.id === channelId)?.type ?? 1;
}

/** Cached, cache-written and reasoning tokens the upstream reported (shown in the log's detail). */
function tokenDetails(u: Usage | undefined, p: { cacheRatio: number; createCacheRatio: number }): object {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const created = u?.prompt_tokens_details?.cache_creation_tokens ?? 0;
  const reasoning = u?.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    ...(cached > 0 ? { cached_tokens: cached, cache_ratio: p.cacheRatio } : {}),
    ...(created > 0 ? { cache_creation_tokens: created, create_cache_ratio: p.createCacheRatio } : {}),
    ...(reasoning > 0 ? { reasoning_tokens: reasoning } : {}),
  };
}

function baseEntry(rc: RelayContext): Omit<LogEntry, 'type' | 'content'> {
  return {
    user_id: rc.auth.user.id,
    username: rc.auth.user.username,
    token_id: rc.auth.token.id,
    token_name: rc.auth.token.name,
    model_name: rc.model,
    use_time: Math.floor((Date.now() - rc.startedAt) / 1000),
    is_stream: rc.stream,
    group: rc.auth.group,
    ip: rc.ip,
    request_id: rc.requestId,
  };
}

const batchId = () => randomBytes(12).toString('hex');

/** How long settlements are summed before they are written (ms). */
const FLUSH_MS = 50;

/**
 * After the upstream: settle the reservation against the real cost and write one log. The work runs
 * after the answer is sent (the client does not wait for it) and is tracked so tests and shutdown can
 * await it with `idle()`.
 */
export class Settlement {
  private readonly pending = new Set<Promise<void>>();
  private readonly ledger = new Ledger();
  /** batches not yet written, oldest first (a failed one is retried as it was) */
  private readonly unapplied: Array<{ id: string; calls: CallSettlement[] }> = [];
  /** calls whose log is not stored yet: they settle once it is (LogEntry.onDone) */
  private awaitingLog = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** calls settled or refunded so far (tests wait for a count instead of sleeping) */
  private done = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(
    private readonly deps: RelayDeps,
    private readonly onError: (err: unknown) => void,
  ) {}

  private track(work: Promise<void>): void {
    const p = work.catch(this.onError).finally(() => {
      this.pending.delete(p);
      this.done += 1;
      if (this.waiters.length > 0) {
        for (const w of this.waiters) if (w.n <= this.done) w.resolve();
        this.waiters = this.waiters.filter((w) => w.n > this.done);
      }
    });
    this.pending.add(p);
  }

  get count(): number {
    return this.done;
  }

  /** Resolves once `n` calls in total have been settled or refunded. */
  waitForCount(n: number): Promise<void> {
    if (this.done >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /**
   * At shutdown: closes the log writer (rows it cannot store go to its spool), settles the calls whose
   * logs were stored, and spools what the database cannot take to `spoolPath` (one batch per line), so
   * that quota taken still equals quota logged after the next start's `replaySpool`. Returns how many
   * calls are left for the next start (spooled, or waiting on a spooled log): the journal holds their rows.
   */
  async close(spoolPath: string | undefined): Promise<number> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.deps.logWriter.close().catch(this.onError);
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    const fresh = this.ledger.take();
    if (fresh) this.unapplied.push({ id: batchId(), calls: fresh });
    const left = this.unapplied.splice(0);
    const calls = left.reduce((n, u) => n + u.calls.length, 0);
    if (left.length > 0) {
      if (!spoolPath)
        this.onError(new Error('settlements could not be written at shutdown and no spool is configured'));
      else await appendSpool(spoolPath, left);
    }
    return calls + this.awaitingLog;
  }

  /** Applies settlements an earlier process spooled at shutdown; the file goes once they are written. */
  async replaySpool(spoolPath: string): Promise<number> {
    const spooled = await takeSpool<{ id: string; calls?: CallSettlement[] }>(spoolPath);
    if (!spooled) return 0;
    // lines of an older format (summed batches) are left to the journal's recovery of their calls
    for (const item of spooled.items)
      if (Array.isArray(item.calls)) this.unapplied.push({ id: item.id, calls: item.calls });
    await this.flush();
    if (this.unapplied.length > 0) throw new Error('the database did not take the spooled settlements yet');
    await spooled.done();
    return spooled.items.length;
  }

  /** Resolves when every finished call's log is stored and its settlement written. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.deps.logWriter.flush();
    await this.flush();
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, FLUSH_MS);
    this.timer.unref?.();
  }

  /**
   * Writes the summed settlements as a batch with an id; a failed batch keeps its id and is retried as it
   * is (not merged into later ones), so a retry of a batch that did land is recognised and skipped.
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(async () => {
      const fresh = this.ledger.take();
      if (fresh) this.unapplied.push({ id: batchId(), calls: fresh });
      while (this.unapplied.length > 0) {
        const head = this.unapplied[0];
        try {
          for (const key of await this.deps.quota.applyLedger(head.calls))
            this.deps.events.emit('token', key);
          this.unapplied.shift();
        } catch (err) {
          this.onError(err);
          this.scheduleFlush();
          return;
        }
      }
    });
    return this.flushing;
  }

  /**
   * A reservation whose statement failed without a known outcome (timeout, lost connection): a refund is
   * queued now and again later, guarded by the journal row like every settlement, so it applies once if
   * the reservation landed after all and never if it did not. No log: the client was answered an error.
   */
  unknownReservation(requestId: string, r: Reservation, tokenKey: string): void {
    const refund = () => {
      this.ledger.add({
        requestId,
        userId: r.userId,
        tokenId: r.tokenId,
        tokenKey,
        limited: r.limitedToken,
        reserved: r.amount,
        actual: 0,
        channelId: 0,
        at: Math.floor(Date.now() / 1000),
        refund: true,
      });
      this.scheduleFlush();
    };
    refund();
    for (const ms of [10_000, 60_000]) setTimeout(refund, ms).unref?.();
  }

  /** Metrics never stand in the way of the accounting: a failure there is logged and forgotten. */
  private observe(o: Parameters<NonNullable<RelayDeps['observe']>>[0]): void {
    try {
      this.deps.observe?.(o);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Starts after the current I/O turn, so the answer is written before the database is touched. */
  succeed(rc: RelayContext, o: Outcome): void {
    this.track(new Promise<void>((r) => setImmediate(r)).then(() => this.settle(rc, o)));
  }

  private async settle(rc: RelayContext, o: Outcome): Promise<void> {
    let prompt: number;
    let completion: number;
    const source = o.usageSource ?? (o.usage ? 'upstream' : 'estimated');
    if (o.usage) {
      prompt = o.usage.prompt_tokens;
      completion = o.usage.completion_tokens;
    } else {
      const counter = this.deps.counter;
      prompt = await countPrompt(counter, rc.chat === rc.body ? rc.endpoint : 'chat', rc.chat, rc.model);
      completion =
        rc.endpoint === 'embeddings' ? 0 : (o.completion ?? (await counter.count(rc.model, [o.text()])));
    }
    const cached = o.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const created = o.usage?.prompt_tokens_details?.cache_creation_tokens ?? 0;
    const units = priceUnits(rc.endpoint, rc.body);
    const quota = computeQuota(rc.pricing, { prompt, completion, cached, created, units });
    this.observe({
      model: rc.model,
      channel: o.channel.id,
      status: 200,
      stream: rc.stream,
      seconds: (Date.now() - rc.startedAt) / 1000,
      firstByte: o.frt / 1000,
      quota,
      attempts: o.attempts,
    });
    this.deps.logWriter.write({
      ...baseEntry(rc),
      type: LogType.Consume,
      content: 'API call succeeded',
      quota,
      prompt_tokens: prompt,
      completion_tokens: completion,
      channel_id: o.channel.id,
      other: other(rc, o.frt, source, o.attempts, {
        ...formats(rc, o.channel),
        ...tokenDetails(o.usage, rc.pricing),
        ...(rc.endpoint === 'images' && isPriceBilled(rc.pricing)
          ? { billed_by: 'image', images: units }
          : {}),
        ...o.extra,
      }),
      keep: rc.record.log,
      rollup: rc.record.rollup,
      onDone: this.settleAfterLog(rc, quota, o.channel.id, false),
    });
  }

  /**
   * The call's settlement, queued once its log is stored: a crash before that leaves the journal row
   * and no log (recovered as interrupted, billed as reserved); after it, the row and the log (recovered
   * from the log, exactly).
   */
  private settleAfterLog(rc: RelayContext, actual: number, channelId: number, refund: boolean) {
    this.awaitingLog += 1;
    const r = rc.reservation;
    return () => {
      this.awaitingLog -= 1;
      this.ledger.add({
        requestId: rc.requestId,
        userId: r.userId,
        tokenId: r.tokenId,
        tokenKey: rc.auth.token.key,
        limited: r.limitedToken,
        reserved: r.amount,
        actual,
        channelId,
        at: Math.floor(Date.now() / 1000),
        refund,
      });
      this.scheduleFlush();
    };
  }

  /** Refunds, writes the one error log, and returns the error to answer with (last status, or 502). */
  fail(rc: RelayContext, f: UpstreamFailure): RelayError {
    const message = redactUpstreamText(f.message);
    const status = f.status >= 400 ? f.status : 502;
    this.observe({
      model: rc.model,
      channel: f.channel?.id ?? 0,
      status,
      stream: rc.stream,
      seconds: (Date.now() - rc.startedAt) / 1000,
      quota: 0,
      attempts: f.attempts,
    });
    this.track(this.refundAndLog(rc, message, f.attempts, f.channel?.id ?? 0));
    return new RelayError(status, `upstream error: ${message}`, 'upstream_error');
  }

  private async refundAndLog(rc: RelayContext, message: string, attempts: Attempt[], channelId: number) {
    // through the ledger, like settlements: after the log, batched, retried, spooled at shutdown
    this.deps.logWriter.write({
      ...baseEntry(rc),
      type: LogType.Error,
      content: `upstream error: ${message}`,
      channel_id: channelId,
      other: other(
        rc,
        0,
        'none',
        attempts,
        channelId ? formats(rc, { type: channelTypeOf(rc, channelId) }) : undefined,
      ),
      onDone: this.settleAfterLog(rc, 0, channelId, true),
    });
  }
}
