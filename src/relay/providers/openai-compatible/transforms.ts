/**
 * OpenAI-compatible request/response/stream transforms: the body passes through with the mapped model
 * and, for streams, `stream_options.include_usage` so the final chunk carries usage.
 * Streaming usage: https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */

import { jsonErrorMessage } from '../text-log.ts';
import type {
  Endpoint,
  ResponseOutput,
  SseEvent,
  StreamOptions,
  StreamTransformer,
  Usage,
} from '../types.ts';
import { num, STREAMING, usageOf } from '../types.ts';

export function requestBody(
  endpoint: Endpoint,
  body: Record<string, unknown>,
  model: string,
  stream: boolean,
) {
  const out: Record<string, unknown> = { ...body, model };
  if (stream && STREAMING.has(endpoint)) {
    const so = body.stream_options;
    out.stream_options = { ...(so && typeof so === 'object' ? so : {}), include_usage: true };
  }
  return JSON.stringify(out);
}

export function readUsage(u: unknown): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const { prompt_tokens, completion_tokens, prompt_tokens_details, completion_tokens_details } = u as Record<
    string,
    any
  >;
  if (typeof prompt_tokens !== 'number') return undefined;
  return usageOf(
    prompt_tokens,
    num(completion_tokens),
    num(prompt_tokens_details?.cached_tokens),
    num(completion_tokens_details?.reasoning_tokens),
  );
}

/** Text of the choices of a response or of a stream chunk (message, delta or completion text). */
export function choicesText(json: any): string {
  let out = '';
  if (!json || !Array.isArray(json.choices)) return out;
  for (const c of json.choices) {
    const part = c?.delta ?? c?.message;
    if (typeof c?.text === 'string') out += c.text;
    if (!part) continue;
    if (typeof part.content === 'string') out += part.content;
    if (typeof part.reasoning_content === 'string') out += part.reasoning_content;
    if (Array.isArray(part.tool_calls)) {
      for (const t of part.tool_calls) {
        if (typeof t?.function?.name === 'string') out += t.function.name;
        if (typeof t?.function?.arguments === 'string') out += t.function.arguments;
      }
    }
  }
  return out;
}

/**
 * Usage of the other endpoints' answers: gpt-image-1's `usage.input_tokens/output_tokens`, a Jina rerank's
 * `usage.prompt_tokens` or `total_tokens` (all prompt), Cohere's `meta.billed_units.input_tokens`.
 * DALL·E images and moderations report none.
 */
function otherUsage(endpoint: Endpoint, json: any): Usage | undefined {
  const u = json?.usage;
  if (endpoint === 'images' && typeof u?.input_tokens === 'number')
    return usageOf(u.input_tokens, num(u.output_tokens), num(u.input_tokens_details?.cached_tokens));
  if (endpoint === 'rerank') {
    const n = u?.prompt_tokens ?? u?.total_tokens ?? json?.meta?.billed_units?.input_tokens;
    return typeof n === 'number' ? usageOf(n, 0) : undefined;
  }
  return readUsage(u);
}

/** The upstream body goes to the client untouched (no re-serialisation); usage read from it. */
export function transformResponse(endpoint: Endpoint, text: string): ResponseOutput {
  const json = JSON.parse(text);
  const usage =
    endpoint === 'chat' || endpoint === 'completions' || endpoint === 'embeddings'
      ? readUsage(json?.usage)
      : otherUsage(endpoint, json);
  return { body: text, json, usage, text: () => choicesText(json) };
}

const USAGE_OBJECT = /"usage"\s*:\s*\{/;
/** a chunk that ends a choice: `"finish_reason": "stop"` (a string, not null) */
const FINISHED = /"finish_reason"\s*:\s*"/;
/** an error the upstream sent as a stream event: `{"error": …}` */
const UPSTREAM_ERROR = /^\s*\{\s*"error"\s*:/;

/**
 * Chunks pass through as they come. Only chunks that mention a usage object are parsed; the usage-only
 * final chunk (empty `choices`) is dropped when the client did not ask for it. Chunk texts are kept
 * unparsed and decoded only if an estimate is needed.
 */
export class OpenAiStream implements StreamTransformer {
  usage: Usage | undefined;
  private readonly seen: string[] = [];
  private taken = 0;
  private done = false;
  /** a chunk with a finish reason, or an error of the upstream's, came (some upstreams send no [DONE]) */
  private finished = false;

  constructor(private readonly opts: StreamOptions) {}

  get complete(): boolean {
    return this.done || this.finished;
  }

  onEvent(ev: SseEvent): string[] {
    const data = ev.data;
    if (data === '[DONE]') {
      this.done = true;
      return [data];
    }
    if (!this.finished && (FINISHED.test(data) || UPSTREAM_ERROR.test(data))) this.finished = true;
    if (USAGE_OBJECT.test(data)) {
      try {
        const json = JSON.parse(data);
        const usage = readUsage(json?.usage);
        if (usage) this.usage = usage;
        if (usage && Array.isArray(json.choices) && json.choices.length === 0 && !this.opts.clientWantsUsage)
          return [];
      } catch {
        // not JSON: pass it on as the upstream sent it
      }
    }
    this.seen.push(data);
    return [data];
  }

  end(): string[] {
    return this.done ? [] : ['[DONE]'];
  }

  producedText(): string {
    return textOf(this.seen, 0);
  }

  takeText(): string {
    const out = textOf(this.seen, this.taken);
    this.taken = this.seen.length;
    return out;
  }
}

function textOf(events: readonly string[], from: number): string {
  let out = '';
  for (let i = from; i < events.length; i++) {
    try {
      out += choicesText(JSON.parse(events[i]));
    } catch {
      // a non-JSON event carries no text
    }
  }
  return out;
}

/** The human message inside an upstream error body (no secrets: the body is the upstream's). */
export const errorMessage = jsonErrorMessage;
