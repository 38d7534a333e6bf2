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

const anthropicMessage = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]),
});

const geminiContent = z.looseObject({
  role: z.string().optional(),
  parts: z.array(z.looseObject({})),
});

const audioUpload = z.looseObject({
  model: common.model,
  file: z.custom<{ size: number }>(
    (v) => !!v && typeof v === 'object' && typeof (v as { size?: unknown }).size === 'number',
    {
      message: 'required (multipart field "file")',
    },
  ),
  response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json']).optional(),
});

/** The request bodies of the relay routes (also what the OpenAPI document shows). */
export const relayBodies: Record<Endpoint, z.ZodType<Record<string, any>>> = {
  chat: z.looseObject({ ...common, messages: z.array(message).min(1) }),
  completions: z.looseObject({ ...common, prompt: promptInput }),
  embeddings: z.looseObject({ model: common.model, input: promptInput }),
  // Anthropic Messages: max_tokens is required there too
  messages: z.looseObject({
    model: common.model,
    max_tokens: z.number().int().min(1),
    messages: z.array(anthropicMessage).min(1),
    system: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
    stream: z.boolean().optional(),
  }),
  // OpenAI Responses (stateless unless the channel is OpenAI's own)
  responses: z.looseObject({
    model: common.model,
    input: z.union([z.string(), z.array(z.looseObject({}))]),
    instructions: z.string().nullish(),
    stream: z.boolean().optional(),
    max_output_tokens: z.number().int().min(1).nullish(),
    store: z.boolean().nullish(),
    previous_response_id: z.string().nullish(),
  }),
  // images: OpenAI's default model when none is named; price per image × n
  images: z.looseObject({
    model: common.model.default('dall-e-2'),
    prompt: z.string().min(1).max(32_000),
    n: z.number().int().min(1).max(10).nullish(),
    response_format: z.enum(['url', 'b64_json']).nullish(),
  }),
  // text to speech: billed per input character
  speech: z.looseObject({
    model: common.model,
    input: z.string().min(1).max(4096),
    voice: z.union([z.string().min(1), z.looseObject({})]),
  }),
  // rerank (Jina / Cohere shape)
  rerank: z.looseObject({
    model: common.model,
    query: z.string().min(1),
    documents: z
      .array(z.union([z.string(), z.looseObject({})]))
      .min(1)
      .max(10_000),
    top_n: z.number().int().min(1).nullish(),
  }),
  moderations: z.looseObject({
    model: common.model.default('omni-moderation-latest'),
    input: z.union([z.string(), z.array(z.unknown()).min(1)]),
  }),
  // audio uploads: the multipart fields, the file read to disk by the route (relay/upload.ts)
  transcriptions: audioUpload,
  translations: audioUpload,
  // Gemini generateContent (`model` and `stream` are set from the URL by the route)
  gemini: z.looseObject({
    model: common.model,
    stream: z.boolean(),
    contents: z.array(geminiContent).min(1),
  }),
};

/** count_tokens bodies: as the call's, without what only generation needs. */
export const countBodies = {
  messages: z.looseObject({
    model: common.model,
    messages: z.array(anthropicMessage).min(1),
    system: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  }),
  gemini: z.looseObject({ model: common.model, contents: z.array(geminiContent).min(1) }),
};

export function parseRelayBody(endpoint: Endpoint, body: unknown): Record<string, any> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return parse(z.object({}), 'not an object', 'body');
  }
  return parse(relayBodies[endpoint], body, 'body');
}

export function parseCountBody(kind: keyof typeof countBodies, body: unknown): Record<string, any> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return parse(z.object({}), 'not an object', 'body');
  }
  return parse(countBodies[kind], body, 'body');
}
