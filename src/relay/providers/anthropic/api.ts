/**
 * Anthropic Messages API: where and how to call.
 * API reference: https://docs.anthropic.com/en/api/messages
 */
export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const MESSAGES_PATH = '/v1/messages';
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when the OpenAI request has none. */
export const DEFAULT_MAX_TOKENS = 4096;

export function authHeaders(key: string): Record<string, string> {
  return { 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
}

/** Anthropic stop_reason → OpenAI finish_reason. */
export function finishReason(stop: unknown): string | null {
  if (stop === 'max_tokens') return 'length';
  if (stop === 'tool_use') return 'tool_calls';
  if (stop === 'refusal') return 'content_filter';
  if (stop === 'end_turn' || stop === 'stop_sequence' || stop === 'pause_turn') return 'stop';
  return stop == null ? null : 'stop';
}
