/**
 * OpenAI Responses as an inbound format (`POST /v1/responses`, what Codex speaks), pure:
 * - to an OpenAI channel as is (`ResponsesPassthrough`: usage and text read on the way);
 * - to any other channel through OpenAI chat (`responsesCodec`), stateless: the request to chat, chat's
 *   answer and stream back as a Response and its events.
 * References: https://platform.openai.com/docs/api-reference/responses,
 * https://platform.openai.com/docs/api-reference/responses-streaming
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
import { num, str, usageOf } from '../types.ts';

type Obj = Record<string, any>;

function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content as any[]) if (typeof p?.text === 'string') out += p.text;
  return out;
}

function userParts(content: unknown): string | Obj[] {
  if (typeof content === 'string') return content;
  const parts: Obj[] = [];
  for (const p of Array.isArray(content) ? (content as any[]) : []) {
    if (p?.type === 'input_text' || p?.type === 'output_text' || p?.type === 'text')
      parts.push({ type: 'text', text: str(p.text ?? '') });
    else if (p?.type === 'input_image' && (p.image_url || p.url))
      parts.push({
        type: 'image_url',
        image_url: { url: str(p.image_url ?? p.url), ...(p.detail ? { detail: p.detail } : {}) },
      });
  }
  return parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts;
}

function toolChoice(c: any): unknown {
  if (c === 'auto' || c === 'none' || c === 'required') return c;
  if (c?.type === 'function' && typeof c.name === 'string')
    return { type: 'function', function: { name: c.name } };
  return undefined;
}

/** A Responses request (stateless) → an OpenAI chat request. */
export function responsesToChat(b: Obj): Obj {
  const messages: Obj[] = [];
  if (typeof b.instructions === 'string' && b.instructions)
    messages.push({ role: 'system', content: b.instructions });
  const items: any[] = typeof b.input === 'string' ? [{ role: 'user', content: b.input }] : (b.input ?? []);
  for (const it of items) {
    const type = it?.type ?? 'message';
    if (type === 'message') {
      const role = it.role === 'developer' ? 'system' : it.role;
      if (role === 'assistant') messages.push({ role, content: partsText(it.content) });
      else if (role === 'system') messages.push({ role, content: partsText(it.content) });
      else messages.push({ role: 'user', content: userParts(it.content) });
    } else if (type === 'function_call') {
      const call = {
        id: str(it.call_id ?? it.id ?? ''),
        type: 'function',
        function: { name: str(it.name ?? ''), arguments: str(it.arguments ?? '') },
      };
      // consecutive calls (and a call right after the assistant's text) form one assistant turn
      const last = messages.at(-1);
      // in place: a copy per call would make a body of many calls cost its square
      if (last?.role === 'assistant') {
        last.tool_calls ??= [];
        last.tool_calls.push(call);
      } else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      const output = typeof it.output === 'string' ? it.output : partsText(it.output);
      messages.push({ role: 'tool', tool_call_id: str(it.call_id ?? ''), content: output });
    }
    // reasoning items and built-in tool calls carry nothing another provider can use
  }
  const out: Obj = { model: b.model, messages };
  if (b.max_output_tokens != null) out.max_tokens = b.max_output_tokens;
  if (b.temperature != null) out.temperature = b.temperature;
  if (b.top_p != null) out.top_p = b.top_p;
  if (typeof b.user === 'string') out.user = b.user;
  if (b.parallel_tool_calls != null) out.parallel_tool_calls = b.parallel_tool_calls;
  if (typeof b.reasoning?.effort === 'string') out.reasoning_effort = b.reasoning.effort;
  const fmt = b.text?.format;
  if (fmt?.type === 'json_schema')
    out.response_format = {
      type: 'json_schema',
      json_schema: {
        name: fmt.name ?? 'answer',
        schema: fmt.schema,
        ...(fmt.strict != null ? { strict: fmt.strict } : {}),
      },
    };
  else if (fmt?.type === 'json_object') out.response_format = { type: 'json_object' };
  const tools = (Array.isArray(b.tools) ? b.tools : []).filter((t: any) => t?.type === 'function' && t.name);
  if (tools.length) {
    out.tools = tools.map((t: any) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.parameters ?? { type: 'object', properties: {} },
        ...(t.strict != null ? { strict: t.strict } : {}),
      },
    }));
    const choice = toolChoice(b.tool_choice);
    if (choice) out.tool_choice = choice;
  }
  if (b.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** Responses usage → OpenAI chat's. */
export function readResponsesUsage(u: any): Usage | undefined {
  if (!u || typeof u.input_tokens !== 'number') return undefined;
  return usageOf(
    u.input_tokens,
    num(u.output_tokens),
    num(u.input_tokens_details?.cached_tokens),
    num(u.output_tokens_details?.reasoning_tokens),
  );
}

export function responsesUsage(u: Usage | undefined): Obj {
  const input = num(u?.prompt_tokens);
  const output = num(u?.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: num(u?.prompt_tokens_details?.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: num(u?.completion_tokens_details?.reasoning_tokens) },
    total_tokens: input + output,
  };
}

const respId = (id: unknown) => {
  const s = typeof id === 'string' && id ? id.replace(/^chatcmpl-/, '') : `${Date.now()}`;
  return s.startsWith('resp_') ? s : `resp_${s}`;
};

function shell(id: string, model: string, created: number): Obj {
  return {
    id,
    object: 'response',
    created_at: created,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: null,
    model,
    output: [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: null,
  };
}

function finished(r: Obj, finish: unknown, usage: Usage | undefined): Obj {
  const length = finish === 'length';
  return {
    ...r,
    status: length ? 'incomplete' : 'completed',
    incomplete_details: length ? { reason: 'max_output_tokens' } : null,
    usage: responsesUsage(usage),
  };
}

const messageItem = (id: string, text: string | null, status: string) => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: text === null ? [] : [{ type: 'output_text', text, annotations: [] }],
});

/** An OpenAI chat completion → a Response. */
export function chatToResponse(chat: any, model: string): Obj {
  const choice = chat?.choices?.[0] ?? {};
  const m = choice.message ?? {};
  const id = respId(chat?.id);
  const output: Obj[] = [];
  if (typeof m.reasoning_content === 'string' && m.reasoning_content)
    output.push({
      type: 'reasoning',
      id: `rs_${id.slice(5)}`,
      summary: [{ type: 'summary_text', text: m.reasoning_content }],
    });
  const text = typeof m.content === 'string' ? m.content : partsText(m.content);
  if (text) output.push(messageItem(`msg_${id.slice(5)}`, text, 'completed'));
  for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : [])
    output.push({
      type: 'function_call',
      id: `fc_${str(c?.id ?? output.length)}`,
      call_id: str(c?.id ?? ''),
      name: str(c?.function?.name ?? ''),
      arguments: str(c?.function?.arguments ?? ''),
      status: 'completed',
    });
  const created = typeof chat?.created === 'number' ? chat.created : Math.floor(Date.now() / 1000);
  return finished({ ...shell(id, model, created), output }, choice.finish_reason, chat?.usage);
}

interface OpenItem {
  kind: 'reasoning' | 'message' | 'function_call';
  index: number;
  item: Obj;
  text: string;
}

/** OpenAI chat chunks → Responses stream events (created, items, deltas, completed), numbered. */
export class ChatToResponsesStream implements ChatStreamConverter {
  private seq = 0;
  private response: Obj | null = null;
  private readonly items: Obj[] = [];
  private open: OpenItem | null = null;
  /** chat tool call index → its open function_call item */
  private readonly calls = new Map<number, OpenItem>();
  private finish: unknown = null;
  private usage: Usage | undefined;
  private ended = false;

  constructor(private readonly model: string) {}

  private ev(type: string, data: Obj): SseEvent {
    return { event: type, data: JSON.stringify({ type, sequence_number: this.seq++, ...data }) };
  }

  private begin(out: SseOut[], c: any): void {
    if (this.response) return;
    const created = typeof c?.created === 'number' ? c.created : Math.floor(Date.now() / 1000);
    this.response = shell(respId(c?.id), this.model, created);
    out.push(this.ev('response.created', { response: this.response }));
    out.push(this.ev('response.in_progress', { response: this.response }));
  }

  private close(out: SseOut[], o: OpenItem | null): void {
    if (!o) return;
    const id = o.item.id;
    if (o.kind === 'message') {
      const part = { type: 'output_text', text: o.text, annotations: [] };
      out.push(
        this.ev('response.output_text.done', {
          item_id: id,
          output_index: o.index,
          content_index: 0,
          text: o.text,
        }),
      );
      out.push(
        this.ev('response.content_part.done', { item_id: id, output_index: o.index, content_index: 0, part }),
      );
      o.item = messageItem(id, o.text, 'completed');
    } else if (o.kind === 'reasoning') {
      const part = { type: 'summary_text', text: o.text };
      out.push(
        this.ev('response.reasoning_summary_text.done', {
          item_id: id,
          output_index: o.index,
          summary_index: 0,
          text: o.text,
        }),
      );
      out.push(
        this.ev('response.reasoning_summary_part.done', {
          item_id: id,
          output_index: o.index,
          summary_index: 0,
          part,
        }),
      );
      o.item = { ...o.item, summary: [part] };
    } else {
      out.push(
        this.ev('response.function_call_arguments.done', {
          item_id: id,
          output_index: o.index,
          arguments: o.text,
        }),
      );
      o.item = { ...o.item, arguments: o.text, status: 'completed' };
    }
    this.items[o.index] = o.item;
    out.push(this.ev('response.output_item.done', { output_index: o.index, item: o.item }));
    if (this.open === o) this.open = null;
  }

  private openItem(out: SseOut[], kind: 'reasoning' | 'message'): OpenItem {
    if (this.open?.kind === kind) return this.open;
    this.close(out, this.open);
    const index = this.items.length;
    const base = this.response!.id.slice(5);
    const item =
      kind === 'message'
        ? messageItem(`msg_${base}_${index}`, null, 'in_progress')
        : { type: 'reasoning', id: `rs_${base}_${index}`, summary: [] };
    this.items.push(item);
    const o: OpenItem = { kind, index, item, text: '' };
    this.open = o;
    out.push(this.ev('response.output_item.added', { output_index: index, item }));
    if (kind === 'message')
      out.push(
        this.ev('response.content_part.added', {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        }),
      );
    else
      out.push(
        this.ev('response.reasoning_summary_part.added', {
          item_id: item.id,
          output_index: index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        }),
      );
    return o;
  }

  chunk(c: any): SseOut[] {
    const out: SseOut[] = [];
    if (c?.error) {
      this.ended = true;
      return [
        this.ev('error', {
          code: 'upstream_error',
          message: str(c.error.message ?? 'upstream error'),
          param: null,
        }),
      ];
    }
    this.begin(out, c);
    if (c?.usage) this.usage = c.usage;
    const choice = c?.choices?.[0];
    const d = choice?.delta;
    if (d) {
      if (typeof d.reasoning_content === 'string' && d.reasoning_content) {
        const o = this.openItem(out, 'reasoning');
        o.text += d.reasoning_content;
        out.push(
          this.ev('response.reasoning_summary_text.delta', {
            item_id: o.item.id,
            output_index: o.index,
            summary_index: 0,
            delta: d.reasoning_content,
          }),
        );
      }
      if (typeof d.content === 'string' && d.content) {
        const o = this.openItem(out, 'message');
        o.text += d.content;
        out.push(
          this.ev('response.output_text.delta', {
            item_id: o.item.id,
            output_index: o.index,
            content_index: 0,
            delta: d.content,
            logprobs: [],
          }),
        );
      }
      for (const t of Array.isArray(d.tool_calls) ? d.tool_calls : []) {
        const key = typeof t?.index === 'number' ? t.index : this.calls.size;
        let o = this.calls.get(key);
        if (!o) {
          if (this.open && this.open.kind !== 'function_call') this.close(out, this.open);
          const index = this.items.length;
          const callId = str(t?.id ?? `call_${index}`);
          const item = {
            type: 'function_call',
            id: `fc_${callId}`,
            call_id: callId,
            name: str(t?.function?.name ?? ''),
            arguments: '',
            status: 'in_progress',
          };
          this.items.push(item);
          o = { kind: 'function_call', index, item, text: '' };
          this.calls.set(key, o);
          out.push(this.ev('response.output_item.added', { output_index: index, item }));
        }
        const args = t?.function?.arguments;
        if (typeof args === 'string' && args) {
          o.text += args;
          out.push(
            this.ev('response.function_call_arguments.delta', {
              item_id: o.item.id,
              output_index: o.index,
              delta: args,
            }),
          );
        }
      }
    }
    if (choice?.finish_reason) this.finish = choice.finish_reason;
    return out;
  }

  end(): SseOut[] {
    if (this.ended) return [];
    this.ended = true;
    const out: SseOut[] = [];
    this.begin(out, {});
    this.close(out, this.open);
    for (const o of this.calls.values()) if (o.item.status !== 'completed') this.close(out, o);
    const r = finished({ ...this.response!, output: this.items }, this.finish, this.usage);
    out.push(
      this.ev(r.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: r }),
    );
    return out;
  }
}

export const responsesCodec: InboundCodec = {
  endpoint: 'responses',
  toChat: responsesToChat,
  fromChat: chatToResponse,
  streamFromChat: (model) => new ChatToResponsesStream(model),
};

// ---- passthrough to an OpenAI channel ----

function producedOf(r: any): string {
  let out = '';
  for (const it of Array.isArray(r?.output) ? r.output : []) {
    if (it?.type === 'message') out += partsText(it.content);
    else if (it?.type === 'function_call') out += str(it.arguments ?? '');
    else if (it?.type === 'reasoning') out += partsText(it.summary);
  }
  return out;
}

export function responsesResponse(text: string): ResponseOutput {
  const json = JSON.parse(text);
  return { body: text, json, usage: readResponsesUsage(json?.usage), text: () => producedOf(json) };
}

const DELTAS = new Set([
  'response.output_text.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
]);
const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Responses events pass through as they came; usage from the final event, text from the deltas. */
export class ResponsesPassthrough implements StreamTransformer {
  usage: Usage | undefined;
  private readonly log = new TextLog();
  /** the response as `response.created` announced it, and the items finished since (for a cut) */
  private response: Obj | null = null;
  private readonly done: Obj[] = [];
  private seq = 0;

  onEvent(e: SseEvent): SseOut[] {
    const name = e.event;
    if (name === 'response.created' || name === 'response.output_item.done') {
      try {
        const json = JSON.parse(e.data);
        if (json?.type === 'response.created' && json.response && typeof json.response === 'object')
          this.response = json.response;
        else if (json?.item && typeof json.item === 'object') this.done.push(json.item);
        if (typeof json?.sequence_number === 'number') this.seq = json.sequence_number + 1;
      } catch {
        // not JSON: passed on
      }
    }
    if (!name || DELTAS.has(name) || FINAL.has(name)) {
      try {
        const json = JSON.parse(e.data);
        if (DELTAS.has(json?.type) && typeof json.delta === 'string') this.log.push(json.delta);
        else if (FINAL.has(json?.type)) this.usage = readResponsesUsage(json.response?.usage) ?? this.usage;
      } catch {
        // not JSON: passed on
      }
    }
    return [e];
  }

  end(): SseOut[] {
    return [];
  }

  /** Cut for quota: `response.incomplete` for the response under way, with the items it finished. */
  cut(): SseOut[] {
    const response = {
      ...(this.response ?? { id: respId(''), object: 'response', model: '' }),
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: this.done,
    };
    const type = 'response.incomplete';
    return [{ event: type, data: JSON.stringify({ type, sequence_number: this.seq, response }) }];
  }

  producedText(): string {
    return this.log.all();
  }

  takeText(): string {
    return this.log.take();
  }
}
