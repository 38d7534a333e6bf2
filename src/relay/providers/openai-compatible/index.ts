import type { ChannelKind } from '../../../shared/channel-types.ts';
import type { ProviderAdapter } from '../types.ts';
import { audioForm, isAudioUpload, joinUrl } from '../types.ts';
import { authHeaders, DEFAULT_BASE_URL, PATHS } from './api.ts';
import { ResponsesPassthrough, responsesResponse } from './responses-passthrough.ts';
import { errorMessage, OpenAiStream, requestBody, transformResponse } from './transforms.ts';

/**
 * The OpenAI wire format both ways, for OpenAI itself and the compatible families (DeepSeek, Mistral,
 * OpenRouter, …: `kind` gives the default base URL). Responses calls pass through to `/v1/responses` only
 * where the upstream has it (OpenAI); elsewhere they are converted through chat.
 */
export function openAiFamily(
  kind: Pick<ChannelKind, 'baseUrl' | 'responses'>,
  name = 'openai-compatible',
): ProviderAdapter {
  const base = kind.baseUrl || DEFAULT_BASE_URL;
  return {
    name,
    wire: 'openai',
    supports: (endpoint) =>
      PATHS[endpoint] !== undefined && (endpoint !== 'responses' || kind.responses === true),
    buildRequest: (i) => ({
      url: joinUrl(i.baseUrl || base, PATHS[i.endpoint] ?? PATHS.chat!),
      headers: isAudioUpload(i.endpoint) ? { authorization: `Bearer ${i.key}` } : authHeaders(i.key),
      body: isAudioUpload(i.endpoint)
        ? audioForm(i.body, i.model)
        : i.endpoint === 'responses'
          ? JSON.stringify(i.body.model === i.model ? i.body : { ...i.body, model: i.model })
          : requestBody(i.endpoint, i.body, i.model, i.stream),
    }),
    transformResponse: (endpoint, text) =>
      endpoint === 'responses' ? responsesResponse(text) : transformResponse(endpoint, text),
    createStreamTransformer: (opts) =>
      opts.endpoint === 'responses' ? new ResponsesPassthrough() : new OpenAiStream(opts),
    errorMessage,
    modelsRequest: (baseUrl, key) => ({
      url: joinUrl(baseUrl || base, '/v1/models'),
      headers: { authorization: `Bearer ${key}` },
    }),
  };
}

/** Channel type 1 (OpenAI) and unknown types: the OpenAI format, Responses passed through. */
export const openAiCompatible: ProviderAdapter = openAiFamily({ baseUrl: DEFAULT_BASE_URL, responses: true });
