/**
 * OpenAI chat completions ⇄ Anthropic Messages, request and non-stream response (pure): an OpenAI-shaped
 * call to an Anthropic channel. System prompts, images, tools and tool results, stop sequences, finish
 * reasons, reasoning ("thinking") and usage with cache reads are kept.
 * Mapping reference: https://docs.anthropic.com/en/api/openai-sdk
 */

import { jsonErrorMessage } from '../text-log.ts';
import type { ResponseOutput, Usage } from '../types.ts';
import { num, parseArgs, str, usageOf } from '../types.ts';
import { DEFAULT_MAX_TOKENS, finishReason } from './api.ts';

type Block = Record<string, unknown>;

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content as any[]) if (p?.type === 'text' && typeof p.text === 'string') out += p.text;
  return out;
}

/** An OpenAI image URL (data URL or link) as an Anthropic image source. */
export function imageSource(url: string): Block {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { type: 'base64', media_type: m[1], data: m[2] } : { type: 'url', url };
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const out: Block[] = [];
  for (const p of content as any[]) {
    if (p?.type === 'text') out.push({ type: 'text', text: str(p.text ?? '') });
    else if (p?.type === 'image_url')
      out.push({ type: 'image', source: imageSource(str(p.image_url?.url ?? p.image_url ?? '')) });
  }
  return out;
}

/** Anthropic wants user and assistant turns alternating: consecutive turns of one role become one. */
function push(messages: Array<{ role: string; content: Block[] }>, role: string, blocks: Block[]) {
  if (blocks.length === 0) return;
  const last = messages.at(-1);
  if (last && last.role === role) for (const b of blocks) last.content.push(b);
  else messages.push({ role, content: blocks });
}

function toolChoice(choice: unknown): Block | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  const name = (choice as any)?.function?.name;
  return typeof name === 'string' ? { type: 'tool', name } : undefined;
}

/** An OpenAI chat request body → an Anthropic Messages request body (an object, not yet serialised). */
export function chatToMessagesRequest(body: Record<string, any>, model: string, stream: boolean) {
  const system: string[] = [];
  const messages: Array<{ role: string; content: Block[] }> = [];
  for (const m of (body.messages as any[]) ?? []) {
    const role = m?.role;
    if (role === 'system' || role === 'developer') system.push(textOf(m.content));
    else if (role === 'tool') {
      const content = typeof m.content === 'string' ? m.content : textOf(m.content);
      push(messages, 'user', [{ type: 'tool_result', tool_use_id: str(m.tool_call_id ?? ''), content }]);
    } else if (role === 'assistant') {
      const blocks = blocksOf(m.content);
      for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : [])
        blocks.push({
          type: 'tool_use',
          id: str(c?.id ?? ''),
          name: str(c?.function?.name ?? ''),
          input: parseArgs(c?.function?.arguments),
        });
      push(messages, 'assistant', blocks);
    } else push(messages, 'user', blocksOf(m?.content));
  }
  const out: Record<string, unknown> = {
    model,
    // a turn of one text block is sent as a plain string, as most clients write it
    messages: messages.map((m) =>
      m.content.length === 1 && m.content[0].type === 'text'
        ? { role: m.role, content: m.content[0].text }
        : m,
    ),
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) out.system = system.join('\n');
  // Anthropic takes temperature in [0, 1] and, on current models, not both temperature and top_p (Gemini
  // CLI sends temperature 0 with topP 1): the temperature wins
  if (typeof body.temperature === 'number') out.temperature = Math.min(1, Math.max(0, body.temperature));
  else if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (body.stop != null) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (Array.isArray(body.tools) && body.tools.length > 0)
    out.tools = body.tools
      .filter((t: any) => t?.type === 'function' && t.function?.name)
      .map((t: any) => ({
        name: t.function.name,
        ...(t.function.description ? { description: t.function.description } : {}),
        input_schema: t.function.parameters ?? { type: 'object', properties: {} },
      }));
  const choice = toolChoice(body.tool_choice);
  if (choice && out.tools) out.tool_choice = choice;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (stream) out.stream = true;
  return out;
}

export function chatRequestBody(body: Record<string, any>, model: string, stream: boolean): string {
  return JSON.stringify(chatToMessagesRequest(body, model, stream));
}

/**
 * Anthropic usage → OpenAI's: prompt tokens are all input tokens (uncached, cache writes and cache
 * reads), cached ones are the reads, and the writes are kept apart (billed at CreateCacheRatio).
 */
export function readUsage(u: any): Usage | undefined {
  if (!u || typeof u.input_tokens !== 'number') return undefined;
  const read = num(u.cache_read_input_tokens);
  const created = num(u.cache_creation_input_tokens);
  const prompt = u.input_tokens + created + read;
  return usageOf(prompt, num(u.output_tokens), read, 0, created);
}

/** An Anthropic message (parsed) → an OpenAI chat completion object, and the text it produced. */
export function messageToChat(json: any, model: string): { chat: Record<string, unknown>; text: string } {
  let content = '';
  let reasoning = '';
  const toolCalls: unknown[] = [];
  for (const b of Array.isArray(json?.content) ? json.content : []) {
    if (b?.type === 'text' && typeof b.text === 'string') content += b.text;
    else if (b?.type === 'thinking' && typeof b.thinking === 'string') reasoning += b.thinking;
    else if (b?.type === 'tool_use')
      toolCalls.push({
        id: str(b.id ?? ''),
        type: 'function',
        function: { name: str(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) },
      });
  }
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const usage = readUsage(json?.usage);
  const chat = {
    id: json?.id ?? 'chatcmpl-anthropic',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(json?.stop_reason) }],
    ...(usage ? { usage } : {}),
  };
  return { chat, text: reasoning + content + toolCalls.map((c: any) => c.function.arguments).join('') };
}

export function chatResponse(text: string, model: string): ResponseOutput {
  const { chat, text: produced } = messageToChat(JSON.parse(text), model);
  return {
    body: JSON.stringify(chat),
    json: chat,
    usage: chat.usage as Usage | undefined,
    text: () => produced,
  };
}

/** The human message inside an upstream error body (no secrets: the body is the upstream's). */
export const errorMessage = jsonErrorMessage;
