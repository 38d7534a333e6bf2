import { z } from 'zod';
import { parse } from '../http/params.ts';
import type { Endpoint } from './providers/types.ts';

/**
 * The few fields the relay itself reads; everything else passes through to the upstream untouched
 * (loose objects). A bad field → 400 naming it, in OpenAI shape.
 */
const common = {
  model: z.string().min(1).max(191),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(0).nullish(),
  max_completion_tokens: z.number().int().min(0).nullish(),
};

const message = z.looseObject({
  role: z.string().min(1),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
});

const promptInput = z.union([z.string(), z.array(z.unknown()).min(1)]);

/** The request bodies of the `/v1` routes (also what the OpenAPI document shows). */
export const relayBodies: Record<Endpoint, z.ZodType<Record<string, any>>> = {
  chat: z.looseObject({ ...common, messages: z.array(message).min(1) }),
  completions: z.looseObject({ ...common, prompt: promptInput }),
  embeddings: z.looseObject({ model: common.model, input: promptInput }),
};

export function parseRelayBody(endpoint: Endpoint, body: unknown): Record<string, any> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return parse(z.object({}), 'not an object', 'body');
  }
  return parse(relayBodies[endpoint], body, 'body');
}
