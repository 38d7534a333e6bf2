/**
 * The one interface every upstream provider implements: pure transforms between what a client sent (the
 * inbound format of its endpoint) and the provider's own wire format. OpenAI chat is the hub: a call whose
 * inbound format the channel does not speak is converted to chat and back (`convert.ts`). Providers
 * import neither the database nor Fastify; the pipeline does the I/O.
 */
import { FormData } from 'undici';
import type { SseEvent } from '../../shared/sse.ts';

/**
 * What a client called: OpenAI chat, completions, embeddings, Responses; Anthropic Messages; Gemini
 * generateContent (the stream flag comes from the URL's action).
 */
export type Endpoint =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'messages'
  | 'gemini'
  | 'images'
  | 'speech'
  | 'rerank'
  | 'moderations'
  | 'transcriptions'
  | 'translations';

/** The endpoints whose answers may stream (the others ignore a `stream` field). */
export const STREAMING: ReadonlySet<Endpoint> = new Set([
  'chat',
  'completions',
  'responses',
  'messages',
  'gemini',
]);

/** The endpoints that generate text (a reservation covers completion tokens only for these). */
export const GENERATIVE: ReadonlySet<Endpoint> = new Set([
  'chat',
  'completions',
  'responses',
  'messages',
  'gemini',
]);

/** Usage in OpenAI chat's shape (what every format's usage is read into and written back from). */
export interface Usage {
  /** all prompt tokens, cached ones included (OpenAI's meaning) */
  prompt_tokens: number;
  /** all generated tokens, reasoning included */
  completion_tokens: number;
  total_tokens: number;
  /** cached: read from the upstream's cache; cache_creation_tokens: written to it (Anthropic's cache writes) */
  prompt_tokens_details?: { cached_tokens: number; cache_creation_tokens?: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export type { SseEvent };

/** What a stream transformer sends the client: a `data:` payload, or an event with its name. */
export type SseOut = string | SseEvent;

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  /** JSON text, or a multipart form (audio uploads: the file streams from disk) */
  body: string | FormData;
}

/** An uploaded file as the relay hands it to adapters (a file-backed Blob: read, never held whole). */
export interface UploadedFile {
  blob: Blob;
  filename: string;
  type: string;
  size: number;
}

/**
 * The multipart form of an audio call: the client's fields with the channel's model, and the file. The
 * content type (with its boundary) is the HTTP client's to set.
 */
export function audioForm(body: Record<string, unknown>, model: string): FormData {
  // undici's own FormData: the undici client streams it (Node's global one is another class to it)
  const form = new FormData();
  for (const [k, v] of Object.entries(body)) {
    if (k === 'file' || k === 'model' || k === 'stream') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') form.append(k, String(v));
  }
  form.append('model', model);
  const f = body.file as UploadedFile;
  form.append('file', f.blob, f.filename);
  return form;
}

export const isAudioUpload = (e: Endpoint): boolean => e === 'transcriptions' || e === 'translations';

export interface BuildInput {
  endpoint: Endpoint;
  /** the client's body (already validated), model not yet replaced */
  body: Record<string, unknown>;
  /** the model name to send upstream (after the channel's model mapping) */
  model: string;
  stream: boolean;
  baseUrl: string;
  key: string;
  /** the body in OpenAI chat form (converted once per call), for adapters that convert through chat */
  chat?: Record<string, unknown>;
  /** client headers a native passthrough forwards (Anthropic's `anthropic-version`, `anthropic-beta`) */
  forward?: Record<string, string>;
  /** the channel's API version (Gemini's path version), when its settings name one */
  apiVersion?: string;
}

export interface ResponseOutput {
  /** the body to send the client: a JSON text (passed through untouched where possible) */
  body: string;
  usage?: Usage;
  /** the generated text, for estimation when the upstream gave no usage */
  text: () => string;
  /** the body parsed, when the transform had to parse it anyway (saves a converter a second parse) */
  json?: unknown;
}

/** Per-stream state machine: upstream events in, client SSE `data:` payloads out. */
export interface StreamTransformer {
  /** One upstream event → what to send the client (`data:` payloads without the prefix, or named events). */
  onEvent(event: SseEvent): SseOut[];
  /** What to send when the upstream ended (OpenAI's terminating `[DONE]` included). */
  end(): SseOut[];
  /** usage once the upstream reported it */
  readonly usage: Usage | undefined;
  /**
   * The upstream ended its stream itself: its closing event (or an error event of its own) came. False when
   * the response ended without it (a connection cut that closed cleanly): the client is then told the
   * stream broke instead of getting a normal ending. Absent: not tracked for this format.
   */
  readonly complete?: boolean;
  /** the text produced so far, for estimation (client abort, or an upstream without usage) */
  producedText(): string;
  /** the text produced since the last call (the running cost of a stream is counted from it) */
  takeText(): string;
  /**
   * The stream is cut for quota (CONTRACT §10): the events that end it properly from where it stands, in
   * the client's format. Absent: the relay's generic ending for the endpoint.
   */
  cut?(): SseOut[];
}

export interface StreamOptions {
  endpoint: Endpoint;
  /** the client asked for `stream_options.include_usage` */
  clientWantsUsage: boolean;
  /** the model name the client asked for */
  model: string;
  /** prompt tokens as estimated for the reservation (for formats that announce them first) */
  promptEstimate?: number;
}

/** A wire format: OpenAI's (also Azure's and the compatible families'), Anthropic's, Gemini's. */
export type Wire = 'openai' | 'anthropic' | 'gemini';

/** The wire format a client speaks on an endpoint. */
export function wireOf(endpoint: Endpoint): Wire {
  return endpoint === 'messages' ? 'anthropic' : endpoint === 'gemini' ? 'gemini' : 'openai';
}

export interface ProviderAdapter {
  readonly name: string;
  /** the format this adapter's upstream speaks */
  readonly wire: Wire;
  supports(endpoint: Endpoint): boolean;
  buildRequest(input: BuildInput): UpstreamRequest;
  /** A successful non-stream upstream body (text) → the client's OpenAI-shaped body and usage. */
  transformResponse(endpoint: Endpoint, text: string, model: string): ResponseOutput;
  createStreamTransformer(opts: StreamOptions): StreamTransformer;
  /** The human message inside an upstream error body (no secrets: the body is the upstream's). */
  errorMessage(status: number, text: string): string;
  /** The GET that lists the upstream's models (`{"data": [{"id": …}]}`), for the channel editor. */
  modelsRequest(baseUrl: string, key: string): { url: string; headers: Record<string, string> };
}

/**
 * An inbound format other than OpenAI chat, converted through chat for channels that do not speak it:
 * the request to chat, chat's answer back, chat's stream chunks back as the format's own events.
 */
export interface InboundCodec {
  readonly endpoint: Endpoint;
  /** the request body (validated) → an OpenAI chat request body */
  toChat(body: Record<string, any>): Record<string, any>;
  /** an OpenAI chat completion object → the format's answer object */
  fromChat(chat: any, model: string): unknown;
  /** a converter of OpenAI chat chunks (parsed) into the format's stream events */
  streamFromChat(model: string, promptEstimate?: number): ChatStreamConverter;
}

export interface ChatStreamConverter {
  /** one chat.completion.chunk (parsed; an `{error}` object for an upstream error) → events */
  chunk(c: any): SseOut[];
  /** the stream is over (`[DONE]`, or the upstream ended): the closing events, once */
  end(): SseOut[];
  /** the stream is cut for quota: its closing events with a max-tokens finish (else fed a "length" chunk) */
  cut?(): SseOut[];
}

export function usageOf(prompt: number, completion: number, cached = 0, reasoning = 0, created = 0): Usage {
  const u: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (created > 0) u.prompt_tokens_details = { cached_tokens: cached, cache_creation_tokens: created };
  else if (cached > 0) u.prompt_tokens_details = { cached_tokens: cached };
  if (reasoning > 0) u.completion_tokens_details = { reasoning_tokens: reasoning };
  return u;
}

/**
 * A string field as text: strings as they are, numbers and booleans written out, anything else (objects,
 * whose toString may be hostile) as `fallback`. Converters read client and upstream JSON only through it.
 */
export function str(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fallback;
}

/**
 * An id for a tool call that came without one (Gemini's): unique across turns, and valid everywhere
 * (Anthropic's tool_use ids allow only letters, digits, `_` and `-`).
 */
export function toolCallId(n: number, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `call_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}_${n}_${safe}`;
}

/**
 * Tool call arguments (a JSON string in OpenAI's format) as the object Anthropic's `input` and Gemini's
 * `args` must be: a non-object value is wrapped as `{value}`, text that is not JSON as `{raw}`.
 */
export function parseArgs(args: unknown): Record<string, unknown> {
  if (typeof args !== 'string' || !args.trim()) return {};
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    return { raw: args };
  }
}

/** A number field, or 0. */
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** `base_url` + path, tolerating a trailing slash or a base that already ends in /v1. */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (base.endsWith('/v1') && path.startsWith('/v1/')) return base + path.slice(3);
  return base + path;
}
