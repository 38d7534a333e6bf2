import { anthropic } from './anthropic/index.ts';
import { openAiCompatible } from './openai-compatible/index.ts';
import type { ProviderAdapter } from './types.ts';

/** New API channel types. */
export const ChannelType = { OpenAI: 1, Anthropic: 14 } as const;

/** The adapter for a channel type; unknown types speak the OpenAI wire format (most upstreams do). */
export function adapterFor(type: number): ProviderAdapter {
  return type === ChannelType.Anthropic ? anthropic : openAiCompatible;
}
