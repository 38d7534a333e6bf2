import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, DEFAULT_VERSION, generateUrl } from './api.ts';
import { chatResponse, chatToGeminiRequest, errorMessage, GeminiStream } from './chat.ts';
import { GeminiPassthrough, geminiResponse } from './inbound.ts';

/** The client's generateContent body without what the route added from the URL (model, stream). */
function nativeBody(body: Record<string, unknown>): string {
  const { model: _model, stream: _stream, ...rest } = body;
  return JSON.stringify(rest);
}

/**
 * Channel type 24: Gemini's native API upstream (`x-goog-api-key`, version from the channel's
 * `api_version` setting, default v1beta); OpenAI chat converted, Gemini calls passed through.
 */
export const gemini: ProviderAdapter = {
  name: 'gemini',
  wire: 'gemini',
  supports: (endpoint) => endpoint === 'chat' || endpoint === 'gemini',
  buildRequest: (i) => ({
    url: generateUrl(i.baseUrl, i.apiVersion, i.model, i.stream),
    headers: authHeaders(i.key),
    body: i.endpoint === 'gemini' ? nativeBody(i.body) : JSON.stringify(chatToGeminiRequest(i.body)),
  }),
  transformResponse: (endpoint, text, model) =>
    endpoint === 'gemini' ? geminiResponse(text) : chatResponse(text, model),
  createStreamTransformer: (opts) =>
    opts.endpoint === 'gemini' ? new GeminiPassthrough() : new GeminiStream(opts),
  errorMessage,
  modelsRequest: (baseUrl, key) => ({
    url: joinUrl(baseUrl || DEFAULT_BASE_URL, `/${DEFAULT_VERSION}/models?pageSize=1000`),
    headers: { 'x-goog-api-key': key },
  }),
};
