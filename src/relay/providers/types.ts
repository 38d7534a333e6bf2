/**
 * The one interface every upstream provider implements: pure transforms between the OpenAI wire format
 * (what Tollgate's clients speak) and the provider's own. Providers import neither the database nor
 * Fastify; the pipeline does the I/O.
 */

export type Endpoint = 'chat' | 'completions' | 'embeddings';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One server-sent event: the `event:` name (if any) and the joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface BuildInput {
  endpoint: Endpoint;
  /** the client's body (already validated), model not yet replaced */
  body: Record<string, unknown>;
  /** the model name to send upstream (after the channel's model mapping) */
  model: string;
  stream: boolean;
  baseUrl: string;
  key: string;
}

export interface ResponseOutput {
  /** the body to send the client: a JSON text (passed through untouched where possible) */
  body: string;
  usage?: Usage;
  /** the generated text, for estimation when the upstream gave no usage */
  text: () => string;
}

/** Per-stream state machine: upstream events in, client SSE `data:` payloads out. */
export interface StreamTransformer {
  /** One upstream event → the `data:` payloads to send the client (without the `data: ` prefix). */
  onEvent(event: SseEvent): string[];
  /** Payloads to send when the upstream ended (the terminating `[DONE]` included). */
  end(): string[];
  /** usage once the upstream reported it */
  readonly usage: Usage | undefined;
  /** the text produced so far, for estimation (client abort, or an upstream without usage) */
  producedText(): string;
  /** the text produced since the last call (the running cost of a stream is counted from it) */
  takeText(): string;
}

export interface StreamOptions {
  endpoint: Endpoint;
  /** the client asked for `stream_options.include_usage` */
  clientWantsUsage: boolean;
  /** the model name the client asked for */
  model: string;
}

export interface ProviderAdapter {
  readonly name: string;
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

export function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** `base_url` + path, tolerating a trailing slash or a base that already ends in /v1. */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  if (base.endsWith('/v1') && path.startsWith('/v1/')) return base + path.slice(3);
  return base + path;
}
