/**
 * OpenAI-compatible upstreams (OpenAI itself and most providers): where and how to call.
 * API reference: https://platform.openai.com/docs/api-reference/chat
 */
import type { Endpoint } from '../types.ts';

export const DEFAULT_BASE_URL = 'https://api.openai.com';

export const PATHS: Partial<Record<Endpoint, string>> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
  responses: '/v1/responses',
  images: '/v1/images/generations',
  speech: '/v1/audio/speech',
  rerank: '/v1/rerank',
  moderations: '/v1/moderations',
  transcriptions: '/v1/audio/transcriptions',
  translations: '/v1/audio/translations',
};

export function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}
