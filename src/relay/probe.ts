import { type ProbeResult, UpstreamModelsError } from '../modules/channels/channels.service.ts';
import { endpointTypesOf } from '../shared/endpoints.ts';
import { mapModel } from './channel-select.ts';
import { redactKey } from './dispatch.ts';
import { baseAdapter } from './providers/index.ts';
import type { Endpoint } from './providers/types.ts';
import type { Candidate } from './relay-context.ts';
import { readLimited, type UpstreamClient } from './upstream.ts';

/**
 * The cheapest call that shows a channel serves `model` (by its kind, CONTRACT §7), or null when the
 * model generates images or audio or transcribes (then the upstream's model list stands in).
 */
function cheapestCall(model: string): { endpoint: Endpoint; body: Record<string, unknown> } | null {
  const kind = endpointTypesOf(model)[0];
  if (kind === 2) return { endpoint: 'embeddings', body: { input: 'hi' } };
  if (kind === 9) return { endpoint: 'rerank', body: { query: 'hi', documents: ['hi'], top_n: 1 } };
  if (kind === 10) return { endpoint: 'moderations', body: { input: 'hi' } };
  if (kind === 7 || kind === 8 || kind === 11 || kind === undefined) return null;
  return { endpoint: 'chat', body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 } };
}

/**
 * What the channels module asks of an upstream outside a relayed call: the channel test and the model
 * list for the channel editor. Built before the channels service and the relay (both use it), on the
 * relay's own upstream client, so nothing is bound late.
 */
export class ChannelProbe {
  constructor(
    private readonly upstream: UpstreamClient,
    /** a test answered: routing may use the channel again at once (ends its cooldown) */
    private readonly onSuccess: (channelId: number) => void,
  ) {}

  /**
   * The channel test: the cheapest call of the model's kind (a one-token chat, one embedding, a one-document
   * rerank, a moderation; the model list for image and speech models), with the channel's key.
   * A success also clears the channel's failure count (automatic disabling starts over).
   */
  async probe(channel: Candidate, model: string, timeoutMs = 30_000): Promise<ProbeResult> {
    const adapter = baseAdapter(channel.type);
    const call = cheapestCall(model);
    const upstreamModel = mapModel(channel.model_mapping, model);
    const req =
      call && adapter.supports(call.endpoint)
        ? adapter.buildRequest({
            endpoint: call.endpoint,
            body: { model, ...call.body },
            model: upstreamModel,
            stream: false,
            baseUrl: channel.base_url,
            key: channel.key,
            apiVersion: channel.apiVersion,
          })
        : null;
    const t0 = performance.now();
    try {
      // image and speech models: the model list (the key is checked, nothing is generated or billed)
      const res = req
        ? await this.upstream.send(req, AbortSignal.timeout(timeoutMs))
        : await this.upstream.get(
            adapter.modelsRequest(channel.base_url, channel.key).url,
            adapter.modelsRequest(channel.base_url, channel.key).headers,
            AbortSignal.timeout(timeoutMs),
          );
      const text = await readLimited(res);
      const ms = Math.round(performance.now() - t0);
      if (res.statusCode >= 200 && res.statusCode < 300) {
        this.onSuccess(channel.id);
        return { ok: true, status: res.statusCode, ms, message: '' };
      }
      const message = redactKey(adapter.errorMessage(res.statusCode, text), channel.key);
      return { ok: false, status: res.statusCode, ms, message };
    } catch (err) {
      const ms = Math.round(performance.now() - t0);
      const e = err as { code?: string; name?: string };
      const why =
        e?.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e?.code ?? 'unreachable');
      return { ok: false, status: 0, ms, message: `upstream ${why}` };
    }
  }

  /**
   * The model ids an upstream lists (`GET /v1/models` with the channel's key), for the channel editor's
   * "fetch models". Throws UpstreamModelsError with what went wrong, the key never in it.
   */
  async fetchModels(
    c: { type: number; base_url: string; key: string },
    timeoutMs = 15_000,
  ): Promise<string[]> {
    const adapter = baseAdapter(c.type);
    const req = adapter.modelsRequest(c.base_url, c.key);
    let res: Awaited<ReturnType<UpstreamClient['get']>>;
    try {
      res = await this.upstream.get(req.url, req.headers, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      const e = err as { code?: string; name?: string };
      throw new UpstreamModelsError(
        e?.name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : `unreachable (${e?.code ?? 'error'})`,
      );
    }
    const text = await readLimited(res, 4 * 1024 * 1024);
    if (res.statusCode < 200 || res.statusCode >= 300)
      throw new UpstreamModelsError(
        `HTTP ${res.statusCode}: ${redactKey(adapter.errorMessage(res.statusCode, text), c.key)}`,
      );
    let body: { data?: Array<{ id?: unknown }>; models?: Array<{ name?: unknown }> };
    try {
      body = JSON.parse(text);
    } catch {
      throw new UpstreamModelsError('the answer is not JSON');
    }
    // OpenAI's and Anthropic's `{data: [{id}]}`, or Gemini's `{models: [{name: "models/…"}]}` (first page)
    const ids = Array.isArray(body?.data)
      ? body.data.map((m) => (typeof m?.id === 'string' ? m.id.trim() : ''))
      : Array.isArray(body?.models)
        ? body.models.map((m) => (typeof m?.name === 'string' ? m.name.replace(/^models\//, '').trim() : ''))
        : null;
    if (!ids) throw new UpstreamModelsError('the answer has no "data" (or Gemini "models") list');
    return [...new Set(ids.filter(Boolean))];
  }
}
