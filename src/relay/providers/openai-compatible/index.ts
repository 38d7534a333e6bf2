import type { ProviderAdapter } from '../types.ts';
import { joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, PATHS } from './api.ts';
import { ResponsesPassthrough, responsesResponse } from './responses.ts';
import { errorMessage, OpenAiStream, requestBody, transformResponse } from './transforms.ts';

/**
 * Channel type 1 (and the default for unknown types): OpenAI wire format both ways; Responses calls
 * pass through to the upstream's own `/v1/responses`.
 */
export const openAiCompatible: ProviderAdapter = {
  name: 'openai-compatible',
  supports: (endpoint) => PATHS[endpoint] !== undefined,
  buildRequest: (i) => ({
    url: joinUrl(i.baseUrl || DEFAULT_BASE_URL, PATHS[i.endpoint] ?? PATHS.chat!),
    headers: authHeaders(i.key),
    body:
      i.endpoint === 'responses'
        ? JSON.stringify(i.body.model === i.model ? i.body : { ...i.body, model: i.model })
        : requestBody(i.endpoint, i.body, i.model, i.stream),
  }),
  transformResponse: (endpoint, text) =>
    endpoint === 'responses' ? responsesResponse(text) : transformResponse(endpoint, text),
  createStreamTransformer: (opts) =>
    opts.endpoint === 'responses' ? new ResponsesPassthrough() : new OpenAiStream(opts),
  errorMessage,
  modelsRequest: (baseUrl, key) => ({
    url: joinUrl(baseUrl || DEFAULT_BASE_URL, '/v1/models'),
    headers: { authorization: `Bearer ${key}` },
  }),
};
