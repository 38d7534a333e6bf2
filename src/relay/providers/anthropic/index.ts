import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, MESSAGES_PATH } from './api.ts';
import { chatRequestBody, chatResponse, errorMessage } from './chat.ts';
import { AnthropicStream } from './stream.ts';

/** Channel type 14: chat completions in, Anthropic Messages upstream. */
export const anthropic: ProviderAdapter = {
  name: 'anthropic',
  supports: (endpoint) => endpoint === 'chat',
  buildRequest: (i) => ({
    url: joinUrl(i.baseUrl || DEFAULT_BASE_URL, MESSAGES_PATH),
    headers: authHeaders(i.key),
    body: chatRequestBody(i.body, i.model, i.stream),
  }),
  transformResponse: (_endpoint, text, model) => chatResponse(text, model),
  createStreamTransformer: (opts) => new AnthropicStream(opts),
  errorMessage,
  modelsRequest: (baseUrl, key) => {
    const { 'content-type': _json, ...headers } = authHeaders(key);
    return { url: joinUrl(baseUrl || DEFAULT_BASE_URL, '/v1/models'), headers };
  },
};
