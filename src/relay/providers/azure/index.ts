/**
 * Azure OpenAI (channel type 3): the OpenAI wire format at
 * `{base}/openai/deployments/{deployment}/{path}?api-version={v}` with an `api-key` header, the deployment
 * being the model after the channel's mapping with its dots removed (as New API does: gpt-3.5-turbo →
 * gpt-35-turbo). Responses calls are converted through chat.
 * Reference: https://learn.microsoft.com/azure/ai-services/openai/reference
 */
import {
  errorMessage,
  OpenAiStream,
  requestBody,
  transformResponse,
} from '../openai-compatible/transforms.ts';
import { audioForm, type Endpoint, isAudioUpload, type ProviderAdapter } from '../types.ts';

export const DEFAULT_API_VERSION = '2024-10-21';

const PATHS: Partial<Record<Endpoint, string>> = {
  chat: 'chat/completions',
  completions: 'completions',
  embeddings: 'embeddings',
  images: 'images/generations',
  speech: 'audio/speech',
  transcriptions: 'audio/transcriptions',
  translations: 'audio/translations',
};

export function deploymentUrl(baseUrl: string, model: string, path: string, apiVersion?: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const deployment = encodeURIComponent(model.replaceAll('.', ''));
  return `${base}/openai/deployments/${deployment}/${path}?api-version=${encodeURIComponent(apiVersion || DEFAULT_API_VERSION)}`;
}

export const azure: ProviderAdapter = {
  name: 'azure',
  wire: 'openai',
  supports: (endpoint) => PATHS[endpoint] !== undefined,
  buildRequest: (i) => ({
    url: deploymentUrl(i.baseUrl, i.model, PATHS[i.endpoint] ?? PATHS.chat!, i.apiVersion),
    headers: isAudioUpload(i.endpoint)
      ? ({ 'api-key': i.key } as Record<string, string>)
      : { 'api-key': i.key, 'content-type': 'application/json' },
    body: isAudioUpload(i.endpoint)
      ? audioForm(i.body, i.model)
      : requestBody(i.endpoint, i.body, i.model, i.stream),
  }),
  transformResponse: (endpoint, text) => transformResponse(endpoint, text),
  createStreamTransformer: (opts) => new OpenAiStream(opts),
  errorMessage,
  // the deployments of a resource are listed by Azure's management API, not with an api-key
  modelsRequest: (baseUrl, key) => ({
    url: `${baseUrl.replace(/\/+$/, '')}/openai/models?api-version=${DEFAULT_API_VERSION}`,
    headers: { 'api-key': key },
  }),
};
