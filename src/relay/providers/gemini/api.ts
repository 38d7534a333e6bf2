/**
 * Google Gemini (Generative Language API): where and how to call, and its reasons and usage.
 * API reference: https://ai.google.dev/api/generate-content
 */
import type { Usage } from '../types.ts';
import { num, usageOf } from '../types.ts';

export const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
export const DEFAULT_VERSION = 'v1beta';

export function authHeaders(key: string): Record<string, string> {
  return { 'x-goog-api-key': key, 'content-type': 'application/json' };
}

/** `{base}/{version}/models/{model}:generateContent`, or the SSE stream. */
export function generateUrl(
  baseUrl: string,
  version: string | undefined,
  model: string,
  stream: boolean,
): string {
  const base = (baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
  const action = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return `${base}/${version || DEFAULT_VERSION}/models/${encodeURIComponent(model)}:${action}`;
}

/** Gemini finishReason → OpenAI finish_reason. */
export function finishReason(reason: unknown, hasCalls: boolean): string | null {
  if (reason == null) return null;
  if (hasCalls) return 'tool_calls';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason === 'STOP' || reason === 'FINISH_REASON_UNSPECIFIED') return 'stop';
  // SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY, OTHER …
  return 'content_filter';
}

/** OpenAI finish_reason → Gemini finishReason. */
export function geminiFinish(finish: unknown): string {
  if (finish === 'length') return 'MAX_TOKENS';
  if (finish === 'content_filter') return 'SAFETY';
  return 'STOP';
}

/**
 * usageMetadata → OpenAI usage: completion = candidates + thoughts (Gemini counts thinking apart),
 * cached = cachedContentTokenCount (part of the prompt count).
 */
export function readUsage(u: any): Usage | undefined {
  if (!u || typeof u.promptTokenCount !== 'number') return undefined;
  const thoughts = num(u.thoughtsTokenCount);
  return usageOf(
    u.promptTokenCount,
    num(u.candidatesTokenCount) + thoughts,
    num(u.cachedContentTokenCount),
    thoughts,
  );
}

/** OpenAI usage → usageMetadata. */
export function geminiUsage(u: Usage | undefined): Record<string, number> {
  const prompt = num(u?.prompt_tokens);
  const completion = num(u?.completion_tokens);
  const thoughts = num(u?.completion_tokens_details?.reasoning_tokens);
  const out: Record<string, number> = {
    promptTokenCount: prompt,
    candidatesTokenCount: Math.max(0, completion - thoughts),
    totalTokenCount: prompt + completion,
  };
  const cached = num(u?.prompt_tokens_details?.cached_tokens);
  if (cached) out.cachedContentTokenCount = cached;
  if (thoughts) out.thoughtsTokenCount = thoughts;
  return out;
}
