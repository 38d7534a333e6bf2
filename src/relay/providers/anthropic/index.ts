import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, MESSAGES_PATH } from './api.ts';
import { chatRequestBody, chatResponse, errorMessage } from './chat.ts';
import { MessagesPassthrough, messagesRequestBody, messagesResponse } from './messages-passthrough.ts';
import { AnthropicStream } from './stream.ts';

/** Channel type 14: Anthropic Messages upstream; OpenAI chat converted, Messages passed through. */
export const anthropic: ProviderAdapter = {
  name: 'anthropic',
  wire: 'anthropic',
  supports: (endpoint) => endpoint === 'chat' || endpoint === 'messages',
  buildRequest: (i) => ({
    url: joinUrl(i.baseUrl || DEFAULT_BASE_URL, MESSAGES_PATH),
    headers: { ...authHeaders(i.key), ...i.forward },
    body:
      i.endpoint === 'messages'
        ? messagesRequestBody(i.body, i.model)
        : chatRequestBody(i.body, i.model, i.stream),
  }),
  transformResponse: (endpoint, text, model) =>
    endpoint === 'messages' ? messagesResponse(text) : chatResponse(text, model),
  createStreamTransformer: (opts) =>
    opts.endpoint === 'messages' ? new MessagesPassthrough() : new AnthropicStream(opts),
  errorMessage,
  modelsRequest: (baseUrl, key) => {
    const { 'content-type': _json, ...headers } = authHeaders(key);
    return { url: joinUrl(baseUrl || DEFAULT_BASE_URL, '/v1/models'), headers };
  },
};
