/**
 * OpenAI chat ⇄ Gemini generateContent, request, non-stream answer and stream (pure): an OpenAI-shaped
 * call to a Gemini channel (type 24). System prompt, images, tools and their results, stop sequences,
 * finish reasons, thoughts (as `reasoning_content`) and usage (cached and thinking tokens) are kept.
 * Reference: https://ai.google.dev/api/generate-content
 */

import { ChatChunks, jsonErrorMessage, TextLog } from '../text-log.ts';
import type { ResponseOutput, SseEvent, SseOut, StreamOptions, StreamTransformer, Usage } from '../types.ts';
import { parseArgs, str, toolCallId } from '../types.ts';
import { finishReason, readUsage } from './api.ts';

type Obj = Record<string, any>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  let out = '';
  for (const p of Array.isArray(content) ? (content as any[]) : [])
    if (typeof p?.text === 'string') out += p.text;
  return out;
}

const EXT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  pdf: 'application/pdf',
};

function imagePart(url: string): Obj {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) return { inlineData: { mimeType: m[1], data: m[2] } };
  const ext = /\.(\w{3,4})(?:\?|$)/.exec(url)?.[1]?.toLowerCase() ?? '';
  return { fileData: { mimeType: EXT_TYPES[ext] ?? 'image/jpeg', fileUri: url } };
}

function partsOf(content: unknown): Obj[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  const parts: Obj[] = [];
  for (const p of Array.isArray(content) ? (content as any[]) : []) {
    if (p?.type === 'text') parts.push({ text: str(p.text ?? '') });
    else if (p?.type === 'image_url') parts.push(imagePart(str(p.image_url?.url ?? p.image_url ?? '')));
  }
  return parts;
}

function push(contents: Obj[], role: string, parts: Obj[]): void {
  if (parts.length === 0) return;
  const last = contents.at(-1);
  if (last && last.role === role) for (const p of parts) last.parts.push(p);
  else contents.push({ role, parts });
}

/** An OpenAI chat request → a Gemini generateContent request (the model is in the URL). */
export function chatToGeminiRequest(body: Obj): Obj {
  const system: string[] = [];
  const contents: Obj[] = [];
  const names = new Map<string, string>();
  for (const m of (body.messages as any[]) ?? []) {
    if (m?.role === 'system' || m?.role === 'developer') system.push(textOf(m.content));
    else if (m?.role === 'assistant') {
      const parts = partsOf(m.content);
      for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
        const name = str(c?.function?.name ?? '');
        if (c?.id) names.set(str(c.id), name);
        // a call without its signature (made elsewhere, or by a client that dropped it) carries the value
        // Google documents for histories it did not sign
        const signature = c?.extra_content?.google?.thought_signature;
        parts.push({
          functionCall: { name, args: parseArgs(c?.function?.arguments) },
          thoughtSignature:
            typeof signature === 'string' && signature ? signature : 'skip_thought_signature_validator',
        });
      }
      push(contents, 'model', parts);
    } else if (m?.role === 'tool') {
      const text = textOf(m.content);
      let response: Obj;
      try {
        const v = JSON.parse(text);
        response = v && typeof v === 'object' && !Array.isArray(v) ? v : { content: v };
      } catch {
        response = { content: text };
      }
      const name = names.get(str(m.tool_call_id ?? '')) ?? str(m.name ?? 'function');
      push(contents, 'user', [{ functionResponse: { name, response } }]);
    } else push(contents, 'user', partsOf(m?.content));
  }
  const out: Obj = { contents };
  if (system.length) out.systemInstruction = { parts: [{ text: system.join('\n') }] };
  const g: Obj = {};
  if (body.temperature != null) g.temperature = body.temperature;
  if (body.top_p != null) g.topP = body.top_p;
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max != null) g.maxOutputTokens = max;
  if (body.stop != null) g.stopSequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (typeof body.n === 'number' && body.n > 1) g.candidateCount = body.n;
  const rf = body.response_format;
  if (rf?.type === 'json_object') g.responseMimeType = 'application/json';
  else if (rf?.type === 'json_schema') {
    g.responseMimeType = 'application/json';
    if (rf.json_schema?.schema) g.responseJsonSchema = rf.json_schema.schema;
  }
  if (Object.keys(g).length) out.generationConfig = g;
  const tools = (Array.isArray(body.tools) ? body.tools : []).filter((t: any) => t?.function?.name);
  if (tools.length) {
    out.tools = [
      {
        functionDeclarations: tools.map((t: any) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ];
    const c = body.tool_choice;
    const mode =
      c === 'required' ? 'ANY' : c === 'none' ? 'NONE' : c?.function?.name ? 'ANY' : c ? 'AUTO' : null;
    if (mode)
      out.toolConfig = {
        functionCallingConfig: {
          mode,
          ...(c?.function?.name ? { allowedFunctionNames: [c.function.name] } : {}),
        },
      };
  }
  return out;
}

interface Parts {
  text: string;
  reasoning: string;
  calls: Array<{ name: string; args: unknown; id?: string; signature?: string }>;
}

function readParts(candidate: any): Parts {
  const out: Parts = { text: '', reasoning: '', calls: [] };
  for (const p of Array.isArray(candidate?.content?.parts) ? candidate.content.parts : []) {
    if (typeof p?.text === 'string') {
      if (p.thought === true) out.reasoning += p.text;
      else out.text += p.text;
    } else if (p?.functionCall)
      out.calls.push({
        name: str(p.functionCall.name ?? ''),
        args: p.functionCall.args ?? {},
        id: p.functionCall.id,
        signature: typeof p.thoughtSignature === 'string' ? p.thoughtSignature : undefined,
      });
  }
  return out;
}

const toolCall = (c: Parts['calls'][number], i: number, withIndex: boolean) => ({
  ...(withIndex ? { index: i } : {}),
  id: str(c.id) || toolCallId(i, c.name),
  type: 'function',
  function: { name: c.name, arguments: JSON.stringify(c.args) },
  // Gemini 3 wants the call's thought signature back with it next turn (the field Google's own
  // OpenAI-compatible endpoint uses); clients that keep the message keep it
  ...(c.signature ? { extra_content: { google: { thought_signature: c.signature } } } : {}),
});

/** A Gemini answer (parsed) → an OpenAI chat completion, and the text it produced. */
export function answerToChat(json: any, model: string): { chat: Obj; text: string } {
  const choices = (Array.isArray(json?.candidates) ? json.candidates : []).map((cand: any, i: number) => {
    const p = readParts(cand);
    const message: Obj = { role: 'assistant', content: p.text };
    if (p.reasoning) message.reasoning_content = p.reasoning;
    if (p.calls.length) message.tool_calls = p.calls.map((c, k) => toolCall(c, k, false));
    return {
      index: cand?.index ?? i,
      message,
      finish_reason: finishReason(cand?.finishReason ?? 'STOP', p.calls.length > 0),
    };
  });
  const usage = readUsage(json?.usageMetadata);
  const chat = {
    id: `chatcmpl-${str(json?.responseId) || Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    ...(usage ? { usage } : {}),
  };
  const text = choices
    .map(
      (c: any) =>
        `${c.message.reasoning_content ?? ''}${c.message.content}${(c.message.tool_calls ?? []).map((t: any) => t.function.arguments).join('')}`,
    )
    .join('');
  return { chat, text };
}

export function chatResponse(text: string, model: string): ResponseOutput {
  const { chat, text: produced } = answerToChat(JSON.parse(text), model);
  return {
    body: JSON.stringify(chat),
    json: chat,
    usage: chat.usage as Usage | undefined,
    text: () => produced,
  };
}

/** Gemini's SSE chunks (each a partial answer; usage cumulative) → OpenAI chat chunks. */
export class GeminiStream implements StreamTransformer {
  usage: Usage | undefined;
  private readonly out: ChatChunks;
  private started = false;
  private calls = 0;
  private done = false;
  /** a candidate's finishReason, or an error of the upstream's, came */
  complete = false;
  private readonly log = new TextLog();

  constructor(private readonly opts: StreamOptions) {
    this.out = new ChatChunks(opts.model, `chatcmpl-${Date.now()}`);
  }

  onEvent(ev: SseEvent): SseOut[] {
    let json: any;
    try {
      json = JSON.parse(ev.data);
    } catch {
      return [];
    }
    if (json?.error) {
      this.done = true;
      this.complete = true;
      return [ChatChunks.error(str(json.error.message, 'upstream error'))];
    }
    if (json?.promptFeedback?.blockReason) this.complete = true; // a blocked prompt ends with no candidates
    if (typeof json?.responseId === 'string') this.out.id = `chatcmpl-${json.responseId}`;
    this.usage = readUsage(json?.usageMetadata) ?? this.usage;
    const out: SseOut[] = [];
    if (!this.started) {
      this.started = true;
      out.push(this.out.delta({ role: 'assistant', content: '' }, null));
    }
    const cand = json?.candidates?.[0];
    const p = readParts(cand);
    if (p.reasoning) {
      this.log.push(p.reasoning);
      out.push(this.out.delta({ reasoning_content: p.reasoning }, null));
    }
    if (p.text) {
      this.log.push(p.text);
      out.push(this.out.delta({ content: p.text }, null));
    }
    if (p.calls.length) {
      const calls = p.calls.map((c) => toolCall(c, this.calls++, true));
      for (const c of calls) this.log.push(c.function.name + c.function.arguments);
      out.push(this.out.delta({ tool_calls: calls }, null));
    }
    if (cand?.finishReason) {
      this.complete = true;
      out.push(this.out.delta({}, finishReason(cand.finishReason, this.calls > 0)));
    }
    return out;
  }

  end(): SseOut[] {
    if (this.done) return [];
    this.done = true;
    const out: SseOut[] = [];
    if (this.usage && this.opts.clientWantsUsage) out.push(this.out.usage(this.usage));
    out.push('[DONE]');
    return out;
  }

  takeText(): string {
    return this.log.take();
  }

  producedText(): string {
    return this.log.all();
  }
}

/** The human message inside an upstream error body (no secrets: the body is the upstream's). */
export const errorMessage = jsonErrorMessage;
