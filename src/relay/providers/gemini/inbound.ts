/**
 * Gemini generateContent as an inbound format (`/v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`; what Gemini CLI and @google/genai speak), pure:
 * - to a Gemini channel as is (`GeminiPassthrough`: usage and text read on the way);
 * - to any other channel through OpenAI chat (`geminiCodec`).
 * Reference: https://ai.google.dev/api/generate-content
 */

import { TextLog } from '../text-log.ts';
import type {
  ChatStreamConverter,
  InboundCodec,
  ResponseOutput,
  SseEvent,
  SseOut,
  StreamTransformer,
  Usage,
} from '../types.ts';
import { parseArgs, str, toolCallId } from '../types.ts';
import { geminiFinish, geminiUsage, readUsage } from './api.ts';

type Obj = Record<string, any>;

/** Gemini's OpenAPI-style schema (`type: "OBJECT"`) → JSON Schema (lower-case types), recursively. */
export function jsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(jsonSchema);
  if (!s || typeof s !== 'object') return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s as Obj)) {
    if (k === 'type' && typeof v === 'string') out.type = v.toLowerCase();
    else if (k === 'nullable' || k === 'propertyOrdering') continue;
    else out[k] = jsonSchema(v);
  }
  return out;
}

function textOf(parts: unknown): string {
  let out = '';
  for (const p of Array.isArray(parts) ? (parts as any[]) : [])
    if (typeof p?.text === 'string' && !p.thought) out += p.text;
  return out;
}

/** A generateContent request → an OpenAI chat request (`model` and `stream` come from the URL). */
export function geminiToChat(b: Obj, model: string, stream: boolean): Obj {
  const messages: Obj[] = [];
  const system = textOf(
    b.systemInstruction?.parts ??
      (typeof b.systemInstruction === 'string' ? [{ text: b.systemInstruction }] : []),
  );
  if (system) messages.push({ role: 'system', content: system });
  // function responses name their call by function name: matched to the calls in order
  const pending = new Map<string, string[]>();
  let n = 0;
  for (const c of (b.contents as any[]) ?? []) {
    const parts: any[] = Array.isArray(c?.parts) ? c.parts : [];
    if (c?.role === 'model') {
      const calls: Obj[] = [];
      for (const p of parts)
        if (p?.functionCall) {
          const name = str(p.functionCall.name ?? '');
          const id = str(p.functionCall.id) || toolCallId(n++, name);
          // in place: a copy per call would make a body of many calls cost its square
          const queue = pending.get(name);
          if (queue) queue.push(id);
          else pending.set(name, [id]);
          calls.push({
            id,
            type: 'function',
            function: { name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
          });
        }
      const text = textOf(parts);
      const msg: Obj = { role: 'assistant', content: text || (calls.length ? null : '') };
      if (calls.length) msg.tool_calls = calls;
      messages.push(msg);
      continue;
    }
    const user: Obj[] = [];
    for (const p of parts) {
      if (p?.functionResponse) {
        const name = str(p.functionResponse.name ?? '');
        const id = str(p.functionResponse.id) || pending.get(name)?.shift() || toolCallId(n++, name);
        messages.push({
          role: 'tool',
          tool_call_id: str(id),
          content: JSON.stringify(p.functionResponse.response ?? {}),
        });
      } else if (typeof p?.text === 'string' && !p.thought) user.push({ type: 'text', text: p.text });
      else if (p?.inlineData)
        user.push({
          type: 'image_url',
          image_url: { url: `data:${str(p.inlineData.mimeType)};base64,${str(p.inlineData.data)}` },
        });
      else if (p?.fileData?.fileUri)
        user.push({ type: 'image_url', image_url: { url: str(p.fileData.fileUri) } });
    }
    if (user.length === 1 && user[0].type === 'text') messages.push({ role: 'user', content: user[0].text });
    else if (user.length) messages.push({ role: 'user', content: user });
  }
  const out: Obj = { model, messages };
  const g = b.generationConfig ?? {};
  if (g.maxOutputTokens != null) out.max_tokens = g.maxOutputTokens;
  if (g.temperature != null) out.temperature = g.temperature;
  if (g.topP != null) out.top_p = g.topP;
  if (Array.isArray(g.stopSequences) && g.stopSequences.length) out.stop = g.stopSequences;
  if (typeof g.candidateCount === 'number' && g.candidateCount > 1) out.n = g.candidateCount;
  const schema = g.responseJsonSchema ?? (g.responseSchema ? jsonSchema(g.responseSchema) : undefined);
  if (schema) out.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema } };
  else if (g.responseMimeType === 'application/json') out.response_format = { type: 'json_object' };
  const decls = (Array.isArray(b.tools) ? b.tools : []).flatMap((t: any) =>
    Array.isArray(t?.functionDeclarations) ? t.functionDeclarations : [],
  );
  if (decls.length) {
    out.tools = decls
      .filter((d: any) => d?.name)
      .map((d: any) => ({
        type: 'function',
        function: {
          name: d.name,
          ...(d.description ? { description: d.description } : {}),
          parameters:
            d.parametersJsonSchema ??
            (d.parameters ? jsonSchema(d.parameters) : { type: 'object', properties: {} }),
        },
      }));
    const fc = b.toolConfig?.functionCallingConfig;
    const allowed = Array.isArray(fc?.allowedFunctionNames) ? fc.allowedFunctionNames : [];
    if (fc?.mode === 'NONE') out.tool_choice = 'none';
    else if (fc?.mode === 'ANY')
      out.tool_choice =
        allowed.length === 1 ? { type: 'function', function: { name: allowed[0] } } : 'required';
    else if (fc?.mode === 'AUTO') out.tool_choice = 'auto';
  }
  if (stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** An OpenAI chat completion → a generateContent answer. */
export function chatToGemini(chat: any, model: string): Obj {
  const candidates = (Array.isArray(chat?.choices) ? chat.choices : []).map((c: any, i: number) => {
    const m = c?.message ?? {};
    const parts: Obj[] = [];
    if (typeof m.reasoning_content === 'string' && m.reasoning_content)
      parts.push({ text: m.reasoning_content, thought: true });
    if (typeof m.content === 'string' && m.content) parts.push({ text: m.content });
    for (const t of Array.isArray(m.tool_calls) ? m.tool_calls : [])
      parts.push({
        functionCall: {
          id: t?.id,
          name: str(t?.function?.name ?? ''),
          args: parseArgs(t?.function?.arguments),
        },
      });
    return {
      content: { role: 'model', parts },
      finishReason: geminiFinish(c?.finish_reason),
      index: c?.index ?? i,
    };
  });
  return {
    candidates,
    usageMetadata: geminiUsage(chat?.usage),
    modelVersion: model,
    responseId: str(chat?.id ?? '').replace(/^chatcmpl-/, ''),
  };
}

/**
 * OpenAI chat chunks → Gemini stream chunks: text and thoughts as they come; function calls, which
 * Gemini sends whole, once their arguments are complete; finishReason and usage in the last chunk.
 */
export class ChatToGeminiStream implements ChatStreamConverter {
  private readonly calls = new Map<number, { id: string; name: string; args: string }>();
  private finish: unknown = null;
  private usage: Usage | undefined;
  private id = '';
  private ended = false;

  constructor(private readonly model: string) {}

  private out(parts: Obj[], extra: Obj = {}): string {
    return JSON.stringify({
      candidates: [{ content: { role: 'model', parts }, index: 0, ...extra.candidate }],
      ...(extra.usage ? { usageMetadata: extra.usage } : {}),
      modelVersion: this.model,
      responseId: this.id,
    });
  }

  chunk(c: any): SseOut[] {
    if (c?.error) {
      this.ended = true;
      return [
        JSON.stringify({
          error: { code: 502, message: str(c.error.message ?? 'upstream error'), status: 'UNAVAILABLE' },
        }),
      ];
    }
    if (!this.id && typeof c?.id === 'string') this.id = c.id.replace(/^chatcmpl-/, '');
    if (c?.usage) this.usage = c.usage;
    const choice = c?.choices?.[0];
    const d = choice?.delta;
    if (choice?.finish_reason) this.finish = choice.finish_reason;
    if (!d) return [];
    const parts: Obj[] = [];
    if (typeof d.reasoning_content === 'string' && d.reasoning_content)
      parts.push({ text: d.reasoning_content, thought: true });
    if (typeof d.content === 'string' && d.content) parts.push({ text: d.content });
    for (const t of Array.isArray(d.tool_calls) ? d.tool_calls : []) {
      const key = typeof t?.index === 'number' ? t.index : this.calls.size;
      const call = this.calls.get(key) ?? { id: str(t?.id ?? ''), name: '', args: '' };
      if (t?.function?.name) call.name = str(t.function.name);
      if (typeof t?.function?.arguments === 'string') call.args += t.function.arguments;
      this.calls.set(key, call);
    }
    return parts.length ? [this.out(parts)] : [];
  }

  end(): SseOut[] {
    if (this.ended) return [];
    this.ended = true;
    const parts = [...this.calls.values()].map((c) => ({
      functionCall: { id: c.id || undefined, name: c.name, args: parseArgs(c.args) },
    }));
    return [
      this.out(parts, {
        candidate: { finishReason: geminiFinish(this.finish) },
        usage: geminiUsage(this.usage),
      }),
    ];
  }
}

export const geminiCodec: InboundCodec = {
  endpoint: 'gemini',
  // model and stream are set on the chat body by the route (they come from the URL)
  toChat: (b) => geminiToChat(b, str(b.model ?? ''), b.stream === true),
  fromChat: chatToGemini,
  streamFromChat: (model) => new ChatToGeminiStream(model),
};

// ---- passthrough to a Gemini channel ----

function producedOf(json: any): string {
  let out = '';
  for (const c of Array.isArray(json?.candidates) ? json.candidates : [])
    for (const p of Array.isArray(c?.content?.parts) ? c.content.parts : []) {
      if (typeof p?.text === 'string') out += p.text;
      if (p?.functionCall) out += JSON.stringify(p.functionCall.args ?? {});
    }
  return out;
}

export function geminiResponse(text: string): ResponseOutput {
  const json = JSON.parse(text);
  return { body: text, json, usage: readUsage(json?.usageMetadata), text: () => producedOf(json) };
}

/** Gemini chunks pass through as they came; usage (cumulative) and text read from each. */
export class GeminiPassthrough implements StreamTransformer {
  usage: Usage | undefined;
  /** a candidate's finishReason, or an error of the upstream's, came */
  complete = false;
  private readonly log = new TextLog();

  onEvent(e: SseEvent): SseOut[] {
    try {
      const json = JSON.parse(e.data);
      // an ending: a candidate's finishReason, a prompt blocked (promptFeedback.blockReason, no candidates),
      // or an error of the upstream's
      if (
        json?.error ||
        json?.promptFeedback?.blockReason ||
        json?.candidates?.some?.((c: any) => c?.finishReason)
      )
        this.complete = true;
      this.usage = readUsage(json?.usageMetadata) ?? this.usage;
      const t = producedOf(json);
      if (t) this.log.push(t);
    } catch {
      // not JSON: passed on
    }
    return [e.data];
  }

  end(): SseOut[] {
    return [];
  }

  /** Cut for quota: a last chunk with a MAX_TOKENS finish. */
  cut(): SseOut[] {
    return [
      JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'MAX_TOKENS', index: 0 }],
      }),
    ];
  }

  producedText(): string {
    return this.log.all();
  }

  takeText(): string {
    return this.log.take();
  }
}
