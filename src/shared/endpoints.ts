/**
 * The relay's endpoints as `/api/pricing` numbers them (`supported_endpoint` and each model's
 * `supported_endpoint_types`, CONTRACT §5, §7). New API's current source names these with strings
 * ("openai", "embeddings", "anthropic", "gemini", "image-generation", "jina-rerank", …); the contract asks
 * for integers, so they are numbered here once, in the order they were added (1–3 since the first release).
 */
export const SUPPORTED_ENDPOINT = {
  '1': { method: 'POST', path: '/v1/chat/completions' },
  '2': { method: 'POST', path: '/v1/embeddings' },
  '3': { method: 'POST', path: '/v1/completions' },
  '4': { method: 'POST', path: '/v1/responses' },
  '5': { method: 'POST', path: '/v1/messages' },
  '6': { method: 'POST', path: '/v1beta/models/{model}:generateContent' },
  '7': { method: 'POST', path: '/v1/images/generations' },
  '8': { method: 'POST', path: '/v1/audio/speech' },
  '9': { method: 'POST', path: '/v1/rerank' },
  '10': { method: 'POST', path: '/v1/moderations' },
  '11': { method: 'POST', path: '/v1/audio/transcriptions' },
  '12': { method: 'POST', path: '/v1/audio/translations' },
} as const;

/**
 * The endpoints a model is offered on, from its name: embeddings, rerank, image, speech and moderation
 * models have their one endpoint; every other model is a chat model, which the relay serves in all four
 * chat formats (converting where its channel speaks another).
 */
export function endpointTypesOf(model: string): number[] {
  const m = model.toLowerCase();
  if (/rerank/.test(m)) return [9];
  if (/embed|^m3e|bge-/.test(m)) return [2];
  if (/moderation/.test(m)) return [10];
  if (/^(tts-|gpt-4o-mini-tts)|-tts\b/.test(m)) return [8];
  if (/dall-e|gpt-image|^imagen|flux|stable-diffusion|sdxl/.test(m)) return [7];
  if (/whisper|transcribe/.test(m)) return [11, 12];
  return [1, 4, 5, 6];
}
