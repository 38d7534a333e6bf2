/**
 * Anthropic Messages as an inbound format (`POST /v1/messages`, what Claude Code speaks), pure:
 * - to an Anthropic channel as is (`messagesPassthrough`: usage and text read on the way);
 * - to any other channel through OpenAI chat (`messagesCodec`): the request to chat, chat's answer and
 *   stream back as a Message and its events.
 * References: https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/api/messages-streaming
 */
import type {
  ChatStreamConverter,
  InboundCodec,
  ResponseOutput,
  SseEvent,
  SseOut,
  StreamTransformer,
  Usage,
} from '../types.ts';
import { num } from '../types.ts';
import { readUsage, textOf } from './chat.ts';

type Obj = Record<string, any>;

/** Text of a tool_result's content (a string or text blocks; images in a tool result are dropped). */
function resultText(content: unknown): string {
  return typeof content === 'string' ? content : textOf(content);
}

function imageUrl(source: any): string {
  if (source?.type === 'base64') return `data:${source.media_type};base64,${source.data}`;
  return String(source?.url ?? '');
}

function toolChoice(c: any): unknown {
  if (c?.type === 'any') return 'required';
  if (c?.type === 'none') return 'none';
  if (c?.type === 'tool' && typeof c.name === 'string')
    return { type: 'function', function: { name: c.name } };
  return c ? 'auto' : undefined;
}

/** A Messages request → an OpenAI chat request. */
export function messagesToChat(b: Obj): Obj {
  const messages: Obj[] = [];
  if (b.system) {
    const system = typeof b.system === 'string' ? b.system : textOf(b.system);
    if (system) messages.push({ role: 'system', content: system });
  }
  for (const m of (b.messages as any[]) ?? []) {
    if (typeof m?.content === 'string') {
      messages.push({ role: m.role === 'assistant' ? 'assistant' : 'user', content: m.content });
      continue;
    }
    const blocks: any[] = Array.isArray(m?.content) ? m.content : [];
    if (m?.role === 'assistant') {
      let text = '';
      const calls: Obj[] = [];
      for (const x of blocks) {
        if (x?.type === 'text') text += String(x.text ?? '');
        else if (x?.type === 'tool_use')
          calls.push({
            id: String(x.id ?? ''),
            type: 'function',
            function: { name: String(x.name ?? ''), arguments: JSON.stringify(x.input ?? {}) },
          });
      }
      const msg: Obj = { role: 'assistant', content: text || (calls.length ? null : '') };
      if (calls.length) msg.tool_calls = calls;
      messages.push(msg);
      continue;
    }
    // a user turn: its tool results first (they answer the assistant turn just before), then the rest
    const parts: Obj[] = [];
    for (const x of blocks) {
      if (x?.type === 'tool_result')
        messages.push({
          role: 'tool',
          tool_call_id: String(x.tool_use_id ?? ''),
          content: resultText(x.content) || (x.is_error ? 'error' : ''),
        });
      else if (x?.type === 'text') parts.push({ type: 'text', text: String(x.text ?? '') });
      else if (x?.type === 'image') parts.push({ type: 'image_url', image_url: { url: imageUrl(x.source) } });
      else if (x?.type === 'document' && x.source?.type === 'text')
        parts.push({ type: 'text', text: String(x.source.data ?? '') });
    }
    if (parts.length === 1 && parts[0].type === 'text')
      messages.push({ role: 'user', content: parts[0].text });
    else if (parts.length > 0) messages.push({ role: 'user', content: parts });
  }
  const out: Obj = { model: b.model, messages };
  if (b.max_tokens != null) out.max_tokens = b.max_tokens;
  if (b.temperature != null) out.temperature = b.temperature;
  if (b.top_p != null) out.top_p = b.top_p;
  if (Array.isArray(b.stop_sequences) && b.stop_sequences.length) out.stop = b.stop_sequences;
  if (Array.isArray(b.tools) && b.tools.length) {
    // server tools (web search, code execution …) have a `type` and no schema: only Anthropic runs them
    const tools = b.tools.filter((t: any) => t?.name && (t.input_schema || !t.type || t.type === 'custom'));
    if (tools.length)
      out.tools = tools.map((t: any) => ({
        type: 'function',
        function: {
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          parameters: t.input_schema ?? { type: 'object', properties: {} },
        },
      }));
    const choice = toolChoice(b.tool_choice);
    if (choice && out.tools) out.tool_choice = choice;
  }
  if (typeof b.metadata?.user_id === 'string') out.user = b.metadata.user_id;
  if (b.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** OpenAI finish_reason → Anthropic stop_reason. */
export function stopReason(finish: unknown): string {
  if (finish === 'length') return 'max_tokens';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'content_filter') return 'refusal';
  return 'end_turn';
}

/** OpenAI usage → Anthropic's (input tokens exclude the cached ones, which are cache reads). */
export function anthropicUsage(u: Usage | undefined): Obj {
  const cached = num(u?.prompt_tokens_details?.cached_tokens);
  return {
    input_tokens: Math.max(0, num(u?.prompt_tokens) - cached),
    output_tokens: num(u?.completion_tokens),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

const msgId = (id: unknown) => {
  const s = typeof id === 'string' && id ? id : `${Date.now()}`;
  return s.startsWith('msg_') ? s : `msg_${s.replace(/^chatcmpl-/, '')}`;
};

/** An OpenAI chat completion → an Anthropic Message. */
export function chatToMessage(chat: any, model: string): Obj {
  const choice = chat?.choices?.[0] ?? {};
  const m = choice.message ?? {};
  const content: Obj[] = [];
  if (typeof m.reasoning_content === 'string' && m.reasoning_content)
    content.push({ type: 'thinking', thinking: m.reasoning_content, signature: '' });
  const text = typeof m.content === 'string' ? m.content : textOf(m.content);
  if (text) content.push({ type: 'text', text });
  for (const c of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
    let input: unknown = {};
    try {
      input = c?.function?.arguments ? JSON.parse(c.function.arguments) : {};
    } catch {
      input = { raw: c?.function?.arguments };
    }
    content.push({ type: 'tool_use', id: String(c?.id ?? ''), name: String(c?.function?.name ?? ''), input });
  }
  return {
    id: msgId(chat?.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(chat?.usage),
  };
}

const ev = (type: string, data: Obj): SseEvent => ({ event: type, data: JSON.stringify({ type, ...data }) });

/** OpenAI chat chunks → Anthropic stream events, block by block (thinking, text, each tool call). */
export class ChatToMessagesStream implements ChatStreamConverter {
  private started = false;
  private ended = false;
  private index = -1;
  private open: 'text' | 'thinking' | 'tool' | null = null;
  /** chat tool call index → our block index */
  private readonly tools = new Map<number, number>();
  private stop = 'end_turn';
  private usage: Usage | undefined;
  private id = '';

  constructor(private readonly model: string) {}

  private start(out: SseOut[]): void {
    if (this.started) return;
    this.started = true;
    out.push(
      ev('message_start', {
        message: {
          id: msgId(this.id),
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      }),
    );
  }

  private close(out: SseOut[]): void {
    if (this.open === null) return;
    out.push(ev('content_block_stop', { index: this.index }));
    this.open = null;
  }

  private block(out: SseOut[], kind: 'text' | 'thinking', block: Obj): void {
    if (this.open === kind) return;
    this.close(out);
    this.index += 1;
    this.open = kind;
    out.push(ev('content_block_start', { index: this.index, content_block: block }));
  }

  chunk(c: any): SseOut[] {
    const out: SseOut[] = [];
    if (c?.error) {
      this.ended = true;
      const message = String(c.error.message ?? 'upstream error');
      return [ev('error', { error: { type: 'api_error', message } })];
    }
    if (!this.id && typeof c?.id === 'string') this.id = c.id;
    this.start(out);
    if (c?.usage) this.usage = c.usage;
    const choice = c?.choices?.[0];
    const d = choice?.delta;
    if (d) {
      if (typeof d.reasoning_content === 'string' && d.reasoning_content) {
        this.block(out, 'thinking', { type: 'thinking', thinking: '' });
        out.push(
          ev('content_block_delta', {
            index: this.index,
            delta: { type: 'thinking_delta', thinking: d.reasoning_content },
          }),
        );
      }
      if (typeof d.content === 'string' && d.content) {
        this.block(out, 'text', { type: 'text', text: '' });
        out.push(
          ev('content_block_delta', { index: this.index, delta: { type: 'text_delta', text: d.content } }),
        );
      }
      for (const t of Array.isArray(d.tool_calls) ? d.tool_calls : []) {
        const key = typeof t?.index === 'number' ? t.index : this.tools.size;
        let at = this.tools.get(key);
        if (at === undefined) {
          this.close(out);
          this.index += 1;
          at = this.index;
          this.tools.set(key, at);
          this.open = 'tool';
          const block = {
            type: 'tool_use',
            id: String(t?.id ?? `toolu_${at}`),
            name: String(t?.function?.name ?? ''),
            input: {},
          };
          out.push(ev('content_block_start', { index: at, content_block: block }));
        }
        const args = t?.function?.arguments;
        if (typeof args === 'string' && args)
          out.push(
            ev('content_block_delta', { index: at, delta: { type: 'input_json_delta', partial_json: args } }),
          );
      }
    }
    if (choice?.finish_reason) this.stop = stopReason(choice.finish_reason);
    return out;
  }

  end(): SseOut[] {
    if (this.ended) return [];
    this.ended = true;
    const out: SseOut[] = [];
    this.start(out);
    this.close(out);
    out.push(
      ev('message_delta', {
        delta: { stop_reason: this.stop, stop_sequence: null },
        usage: anthropicUsage(this.usage),
      }),
    );
    out.push(ev('message_stop', {}));
    return out;
  }
}

export const messagesCodec: InboundCodec = {
  endpoint: 'messages',
  toChat: messagesToChat,
  fromChat: chatToMessage,
  streamFromChat: (model) => new ChatToMessagesStream(model),
};

// ---- passthrough to an Anthropic channel ----

/** The client's body with the channel's model name. */
export function messagesRequestBody(body: Obj, model: string): string {
  return JSON.stringify(body.model === model ? body : { ...body, model });
}

/** The text of a Message's content (text, thinking, tool input), for estimates. */
function producedOf(json: any): string {
  let out = '';
  for (const b of Array.isArray(json?.content) ? json.content : []) {
    if (typeof b?.text === 'string') out += b.text;
    if (typeof b?.thinking === 'string') out += b.thinking;
    if (b?.type === 'tool_use') out += JSON.stringify(b.input ?? {});
  }
  return out;
}

/** The upstream's Message goes to the client byte for byte; usage read from it. */
export function messagesResponse(text: string): ResponseOutput {
  const json = JSON.parse(text);
  return { body: text, json, usage: readUsage(json?.usage), text: () => producedOf(json) };
}

/** Anthropic events pass through as they came (names included); usage and text are read on the way. */
export class MessagesPassthrough implements StreamTransformer {
  usage: Usage | undefined;
  private raw: Obj = {};
  private readonly texts: string[] = [];
  private taken = 0;

  onEvent(e: SseEvent): SseOut[] {
    // only the events that carry usage or text are parsed
    const type = e.event;
    if (type === 'message_start' || type === 'message_delta' || type === 'content_block_delta' || !type) {
      try {
        const json = JSON.parse(e.data);
        if (json?.type === 'message_start') this.raw = { ...(json.message?.usage ?? {}) };
        else if (json?.type === 'message_delta') {
          const u = json.usage ?? {};
          for (const k of Object.keys(u)) if (typeof u[k] === 'number') this.raw[k] = u[k];
          if (typeof u.output_tokens === 'number') this.usage = readUsage(this.raw);
        } else if (json?.type === 'content_block_delta') {
          const d = json.delta;
          const t = d?.text ?? d?.thinking ?? d?.partial_json;
          if (typeof t === 'string') this.texts.push(t);
        }
      } catch {
        // not JSON: passed on as it came
      }
    }
    return [e];
  }

  end(): SseOut[] {
    return [];
  }

  producedText(): string {
    return this.texts.join('');
  }

  takeText(): string {
    const out = this.texts.slice(this.taken).join('');
    this.taken = this.texts.length;
    return out;
  }
}
