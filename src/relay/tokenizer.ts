/**
 * Token counting for estimates (reservations, and billing when an upstream reports no usage) with a
 * real BPE tokenizer: o200k_base for the gpt-4o / gpt-4.1 / gpt-5 / o-series family, cl100k_base
 * otherwise. Rank files ship inside js-tiktoken (nothing is fetched); each loads on first use.
 * Message overhead follows OpenAI's cookbook: 3 tokens per message, 1 per name, 3 to prime the reply.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import type { Endpoint } from './providers/types.ts';

type EncodingName = 'o200k_base' | 'cl100k_base';
const encoders = new Map<EncodingName, Promise<Tiktoken>>();
const ready = new Map<EncodingName, Tiktoken>();

export function encodingFor(model: string): EncodingName {
  return /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d)/.test(model) ? 'o200k_base' : 'cl100k_base';
}

function load(name: EncodingName): Promise<Tiktoken> {
  let p = encoders.get(name);
  if (!p) {
    p = (
      name === 'o200k_base' ? import('js-tiktoken/ranks/o200k_base') : import('js-tiktoken/ranks/cl100k_base')
    ).then((m) => {
      const enc = new Tiktoken(m.default);
      ready.set(name, enc);
      return enc;
    });
    encoders.set(name, p);
  }
  return p;
}

export async function countText(model: string, text: string): Promise<number> {
  if (!text) return 0;
  return (await load(encodingFor(model))).encode(text, 'all').length;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) if (p && typeof p.text === 'string') out += p.text;
  return out;
}

function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) return input.filter((x) => typeof x === 'string').join('\n');
  return '';
}

/** Counts tokens of one string. */
type Counter = (text: string) => number;

/** Prompt tokens of a request body, estimated the way OpenAI counts them. */
export async function countPrompt(
  endpoint: Endpoint,
  body: Record<string, any>,
  model: string,
): Promise<number> {
  const enc = await load(encodingFor(model));
  return promptTokens(endpoint, body, (s) => enc.encode(s, 'all').length);
}

/**
 * For the reservation: the real count once the model's encoder is loaded; before that (the first calls
 * after a start, while the rank file loads, about a second) UTF-8 bytes / 4, without waiting for it.
 */
export function reservePromptTokens(endpoint: Endpoint, body: Record<string, any>, model: string): number {
  const name = encodingFor(model);
  const enc = ready.get(name);
  if (enc) return promptTokens(endpoint, body, (s) => enc.encode(s, 'all').length);
  void load(name);
  return promptTokens(endpoint, body, (s) => Math.ceil(Buffer.byteLength(s) / 4));
}

function promptTokens(endpoint: Endpoint, body: Record<string, any>, tokens: Counter): number {
  const count = (s: string) => (s ? tokens(s) : 0);
  if (endpoint === 'completions') return count(inputText(body.prompt));
  if (endpoint === 'embeddings') return count(inputText(body.input));
  let n = 3;
  for (const m of (body.messages as any[]) ?? []) {
    n += 3 + count(contentText(m?.content));
    if (typeof m?.name === 'string') n += 1 + count(m.name);
    if (Array.isArray(m?.tool_calls)) n += count(JSON.stringify(m.tool_calls));
  }
  return n;
}
