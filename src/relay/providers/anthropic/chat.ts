/**
 * OpenAI chat completions ⇄ Anthropic Messages, request and non-stream response (pure).
 * Mapping reference: https://docs.anthropic.com/en/api/openai-sdk
 */
import type { ResponseOutput, Usage } from '../types.ts';
import { usageOf } from '../types.ts';
import { DEFAULT_MAX_TOKENS, finishReason } from './api.ts';

type Part = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: any) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

function partsOf(content: unknown): string | Part[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: Part[] = [];
  for (const p of content as any[]) {
    if (p?.type === 'text') parts.push({ type: 'text', text: String(p.text ?? '') });
    else if (p?.type === 'image_url') {
      const url = String(p.image_url?.url ?? '');
      const m = /^data:([^;]+);base64,(.*)$/s.exec(url);
      parts.push({
        type: 'image',
        source: m ? { type: 'base64', media_type: m[1], data: m[2] } : { type: 'url', url },
      });
    }
  }
  return parts;
}

export function chatRequestBody(body: Record<string, any>, model: string, stream: boolean): string {
  const system: string[] = [];
  const messages: Array<{ role: string; content: string | Part[] }> = [];
  for (const m of (body.messages as any[]) ?? []) {
    if (m?.role === 'system' || m?.role === 'developer') system.push(textOf(m.content));
    else
      messages.push({ role: m?.role === 'assistant' ? 'assistant' : 'user', content: partsOf(m?.content) });
  }
  const out: Record<string, unknown> = {
    model,
    messages,
    max_tokens: body.max_tokens ?? body.max_completion_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) out.system = system.join('\n');
  if (body.temperature !== undefined) out.temperature = body.temperature;
  if (body.top_p !== undefined) out.top_p = body.top_p;
  if (body.stop !== undefined) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (stream) out.stream = true;
  return JSON.stringify(out);
}

export function readUsage(u: any): Usage | undefined {
  if (!u || typeof u.input_tokens !== 'number') return undefined;
  const prompt = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
  return usageOf(prompt, typeof u.output_tokens === 'number' ? u.output_tokens : 0);
}

export function chatResponse(text: string, model: string): ResponseOutput {
  const json = JSON.parse(text);
  const content = textOf(json?.content);
  const usage = readUsage(json?.usage);
  const out = {
    id: json?.id ?? 'chatcmpl-anthropic',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content }, finish_reason: finishReason(json?.stop_reason) },
    ],
    ...(usage ? { usage } : {}),
  };
  return { body: JSON.stringify(out), usage, text: () => content };
}

export function errorMessage(status: number, text: string): string {
  try {
    const m = JSON.parse(text)?.error?.message;
    if (typeof m === 'string' && m) return m.slice(0, 500);
  } catch {
    // not JSON
  }
  return `upstream answered ${status}`;
}
