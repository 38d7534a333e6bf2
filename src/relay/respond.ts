import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { AUDIO_TOKENS_PER_SECOND, estimateAudioSeconds } from './billing.ts';
import { CLIENT_LEFT, UpstreamFailure } from './dispatch.ts';
import { type Usage, usageOf } from './providers/types.ts';
import type { Dispatched, RelayContext } from './relay-context.ts';
import type { Outcome } from './settle.ts';
import { SseParser, sseFrame } from './stream.ts';
import type { StreamBudget } from './stream-budget.ts';
import { streamEnding } from './stream-end.ts';

/** The whole (small) upstream answer as text; a break is an UpstreamFailure (499 when the client left). */
async function readAnswer(d: Dispatched, clientLeft: AbortSignal): Promise<string> {
  try {
    return await d.res.body.text();
  } catch (err) {
    if (clientLeft.aborted) throw new UpstreamFailure(499, CLIENT_LEFT, d.attempts, d.channel);
    const why = `the upstream answer broke off (${(err as Error).message})`;
    throw new UpstreamFailure(502, why, d.attempts, d.channel);
  }
}

/**
 * Non-stream: read the whole (small) upstream answer, map it, send it. Returns the call's outcome for
 * the settlement; an answer that cannot be read is an UpstreamFailure (499 when the client left).
 */
export async function respondJson(
  rc: RelayContext,
  d: Dispatched,
  reply: FastifyReply,
  clientLeft: AbortSignal,
): Promise<Outcome> {
  const frt = Date.now() - rc.startedAt;
  const text = await readAnswer(d, clientLeft);
  let out: ReturnType<typeof d.adapter.transformResponse>;
  try {
    out = d.adapter.transformResponse(rc.endpoint, text, rc.model);
  } catch {
    throw new UpstreamFailure(502, 'the upstream answer is not valid JSON', d.attempts, d.channel);
  }
  reply.type('application/json; charset=utf-8').send(out.body);
  return { channel: d.channel, attempts: d.attempts, usage: out.usage, text: out.text, frt };
}

/**
 * Text to speech: the upstream's audio goes to the client as it arrives (binary, its own content type,
 * backpressure honoured); billed per input character (CONTRACT §7), counted as prompt tokens.
 */
export async function respondBinary(
  rc: RelayContext,
  d: Dispatched,
  reply: FastifyReply,
  abort: AbortSignal,
): Promise<Outcome> {
  const frt = Date.now() - rc.startedAt;
  const raw = reply.raw;
  reply.hijack();
  const type = d.res.headers['content-type'];
  raw.writeHead(200, {
    'content-type': typeof type === 'string' ? type : 'application/octet-stream',
    'x-request-id': rc.requestId,
  });
  let extra: Record<string, unknown> | undefined;
  try {
    for await (const chunk of d.res.body) {
      if (!raw.write(chunk as Buffer)) await drained(raw, abort);
      if (abort.aborted) throw new Error('cancelled');
    }
    raw.end();
  } catch (err) {
    // the audio cannot be taken back: what was asked is billed, the break noted
    extra = abort.aborted
      ? { client_aborted: true }
      : { stream_error: String((err as Error)?.message ?? err).slice(0, 300) };
    if (!raw.destroyed) raw.destroy();
  }
  const characters = [...String(rc.body.input ?? '')].length;
  return {
    channel: d.channel,
    attempts: d.attempts,
    usage: usageOf(characters, 0),
    usageSource: 'characters',
    text: () => '',
    frt,
    extra: { billed_by: 'characters', characters, ...extra },
  };
}

/**
 * Transcriptions and translations: the answer (JSON, or text/SRT/VTT as asked) goes to the client as the
 * upstream sent it. Billed by audio seconds (`usage.seconds`, or verbose_json's `duration`), by tokens when
 * the model reports them (gpt-4o-transcribe), else by the file's size at 128 kbit/s (said in `other`).
 */
export async function respondAudioText(
  rc: RelayContext,
  d: Dispatched,
  reply: FastifyReply,
  clientLeft: AbortSignal,
): Promise<Outcome> {
  const frt = Date.now() - rc.startedAt;
  const text = await readAnswer(d, clientLeft);
  const type = d.res.headers['content-type'];
  let json: any = null;
  if (typeof type === 'string' && type.includes('json')) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamFailure(502, 'the upstream answer is not valid JSON', d.attempts, d.channel);
    }
  }
  const u = json?.usage;
  let usage: Usage;
  let extra: Record<string, unknown>;
  let usageSource = 'upstream';
  if (u?.type === 'tokens' && typeof u.input_tokens === 'number') {
    usage = usageOf(u.input_tokens, typeof u.output_tokens === 'number' ? u.output_tokens : 0);
    extra = { billed_by: 'tokens' };
  } else {
    const reported = u?.type === 'duration' ? u.seconds : json?.duration;
    const seconds =
      typeof reported === 'number' && reported > 0
        ? Math.ceil(reported)
        : estimateAudioSeconds(Number(rc.body.file?.size ?? 0));
    if (!(typeof reported === 'number' && reported > 0)) usageSource = 'estimated';
    usage = usageOf(seconds * AUDIO_TOKENS_PER_SECOND, 0);
    extra = { billed_by: 'audio_seconds', seconds };
  }
  reply.type(typeof type === 'string' ? type : 'text/plain; charset=utf-8').send(text);
  return { channel: d.channel, attempts: d.attempts, usage, usageSource, text: () => '', frt, extra };
}

/** Waits for the client to take the data, or to leave, or for the call to be cancelled (`abort`). */
async function drained(raw: ServerResponse, abort: AbortSignal): Promise<void> {
  if (raw.destroyed || abort.aborted) return;
  const ac = new AbortController();
  await Promise.race([
    once(raw, 'drain', { signal: ac.signal }),
    once(raw, 'close', { signal: ac.signal }),
    once(abort, 'abort', { signal: ac.signal }),
  ]).catch(() => {});
  ac.abort();
}

/**
 * Stream: chunks go to the client as they arrive (one write per upstream read, backpressure honoured).
 * A client that leaves aborts `abort` (wired by the route), which cancels the upstream request; what
 * was produced is billed (estimated if no usage was seen): never throws, the outcome says what happened.
 */
export async function respondStream(
  rc: RelayContext,
  d: Dispatched,
  reply: FastifyReply,
  abort: AbortSignal,
  budgetFor: (takeText: () => string) => StreamBudget,
): Promise<Outcome> {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': rc.requestId,
  });
  const t = d.adapter.createStreamTransformer({
    endpoint: rc.endpoint,
    clientWantsUsage: rc.clientWantsUsage,
    model: rc.model,
    promptEstimate: rc.promptEstimate,
  });
  const budget = budgetFor(() => t.takeText());
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let frt = 0;
  let extra: Record<string, unknown> | undefined;
  let completion: number | undefined;
  try {
    let cut = false;
    for await (const chunk of d.res.body) {
      if (frt === 0) frt = Date.now() - rc.startedAt;
      budget.beforeRead((chunk as Buffer).length);
      let out = '';
      for (const ev of parser.push(decoder.decode(chunk as Buffer, { stream: true })))
        out += sseFrame(t.onEvent(ev));
      // admitted before it is sent: a read the user cannot pay for never reaches the client
      if (!(await budget.admit((chunk as Buffer).length))) {
        cut = true;
        break; // leaving the loop destroys the upstream body: the upstream request is cancelled
      }
      if (out && !raw.write(out)) await drained(raw, abort);
      if (abort.aborted) throw new Error('cancelled');
    }
    if (cut) {
      extra = { stream_cut: 'quota' };
      completion = budget.sentTokens;
      raw.end(sseFrame(t.cut ? t.cut() : streamEnding(rc, 'cut')));
    } else {
      let tail = '';
      for (const ev of parser.flush()) tail += sseFrame(t.onEvent(ev));
      if (t.complete === false) {
        // the response ended before the upstream's own ending: a break, not a finish the client could
        // take for the whole answer (billed from what was produced, as any broken stream)
        extra = { stream_error: 'the upstream ended the stream before its closing event' };
        raw.end(tail + sseFrame(streamEnding(rc, 'broken')));
      } else raw.end(tail + sseFrame(t.end()));
    }
  } catch (err) {
    if (abort.aborted && raw.destroyed) extra = { client_aborted: true };
    else if (abort.aborted) {
      // cancelled by shutdown with the client still there: it gets a proper end
      extra = { cancelled_by_shutdown: true };
      raw.end(sseFrame(streamEnding(rc, 'shutdown')));
    } else {
      extra = { stream_error: String((err as Error)?.message ?? err).slice(0, 300) };
      if (!raw.destroyed) raw.end(sseFrame(streamEnding(rc, 'broken')));
    }
  }
  return {
    channel: d.channel,
    attempts: d.attempts,
    usage: t.usage,
    text: () => t.producedText(),
    completion,
    frt: frt || Date.now() - rc.startedAt,
    extra,
  };
}
