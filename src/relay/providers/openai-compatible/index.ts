import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, PATHS } from './api.ts';
import { errorMessage, OpenAiStream, requestBody, transformResponse } from './transforms.ts';

/** Channel type 1 (and the default for unknown types): OpenAI wire format both ways. */
export const openAiCompatible: ProviderAdapter = {
  name: 'openai-compatible',
  supports: () => true,
  buildRequest: (i) => ({
    url: joinUrl(i.baseUrl || DEFAULT_BASE_URL, PATHS[i.endpoint]),
    headers: authHeaders(i.key),
    body: requestBody(i.endpoint, i.body, i.model, i.stream),
  }),
  transformResponse: (endpoint, text) => transformResponse(endpoint, text),
  createStreamTransformer: (opts) => new OpenAiStream(opts),
  errorMessage,
  modelsRequest: (baseUrl, key) => ({
    url: joinUrl(baseUrl || DEFAULT_BASE_URL, '/v1/models'),
    headers: { authorization: `Bearer ${key}` },
  }),
};
