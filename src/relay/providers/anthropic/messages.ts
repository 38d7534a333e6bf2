import type { ChatStreamConverter, InboundCodec, SseEvent, SseOut, Usage } from '../types.ts';
import { num, parseArgs, str } from '../types.ts';
import { textOf } from './chat.ts';

type Obj = Record<string, any>;

/** Text of a tool_result's content (a string or text blocks; images in a tool result are dropped). */
function resultText(content: unknown): string {
  return typeof content === 'string' ? content : textOf(content);
}

function imageUrl(source: any): string {
  if (source?.type === 'base64') return `data:${str(source.media_type)};base64,${str(source.data)}`;
  return str(source?.url ?? '');
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
        if (x?.type === 'text') text += str(x.text ?? '');
        else if (x?.type === 'tool_use')
          calls.push({
            id: str(x.id ?? ''),
            type: 'function',
            function: { name: str(x.name ?? ''), arguments: JSON.stringify(x.input ?? {}) },
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
          tool_call_id: str(x.tool_use_id ?? ''),
          content: resultText(x.content) || (x.is_error ? 'error' : ''),
        });
      else if (x?.type === 'text') parts.push({ type: 'text', text: str(x.text ?? '') });
      else if (x?.type === 'image') parts.push({ type: 'image_url', image_url: { url: imageUrl(x.source) } });
      else if (x?.type === 'document' && x.source?.type === 'text')
        parts.push({ type: 'text', text: str(x.source.data ?? '') });
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

/** OpenAI usage → Anthropic's (input tokens exclude the cache reads and the cache writes). */
export function anthropicUsage(u: Usage | undefined): Obj {
  const cached = num(u?.prompt_tokens_details?.cached_tokens);
  const created = num(u?.prompt_tokens_details?.cache_creation_tokens);
  return {
    input_tokens: Math.max(0, num(u?.prompt_tokens) - cached - created),
    output_tokens: num(u?.completion_tokens),
    cache_creation_input_tokens: created,
    cache_read_input_tokens: cached,
  };
}

export const msgId = (id: unknown) => {
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
    const input = parseArgs(c?.function?.arguments);
    content.push({ type: 'tool_use', id: str(c?.id ?? ''), name: str(c?.function?.name ?? ''), input });
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

export const ev = (type: string, data: Obj): SseEvent => ({
  event: type,
  data: JSON.stringify({ type, ...data }),
});

/**
 * OpenAI chat chunks → Anthropic stream events: thinking and text blocks as they come; tool calls, whose
 * argument pieces OpenAI may interleave between calls, each as one whole `tool_use` block once the chat
 * stream ends (Anthropic's blocks cannot reopen).
 */
export class ChatToMessagesStream implements ChatStreamConverter {
  private started = false;
  private ended = false;
  private index = -1;
  private open: 'text' | 'thinking' | null = null;
  /** chat tool call index → the call gathered so far */
  private readonly tools = new Map<number, { id: string; name: string; args: string }>();
  private stop = 'end_turn';
  private usage: Usage | undefined;
  private id = '';

  constructor(
    private readonly model: string,
    /** the prompt tokens as estimated for the reservation, for `message_start` (the real count comes last) */
    private readonly inputEstimate = 0,
  ) {}

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
          usage: { input_tokens: this.inputEstimate, output_tokens: 0 },
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
    if (this.ended) return [];
    const out: SseOut[] = [];
    if (c?.error) {
      this.ended = true;
      return [ev('error', { error: { type: 'api_error', message: str(c.error.message, 'upstream error') } })];
    }
    if (!this.id && typeof c?.id === 'string') this.id = c.id;
    this.start(out);
    if (c?.usage && typeof c.usage === 'object') this.usage = c.usage;
    const choice = Array.isArray(c?.choices) ? c.choices[0] : undefined;
    const d = choice?.delta;
    if (d && typeof d === 'object') {
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
        let call = this.tools.get(key);
        if (!call) {
          call = { id: str(t?.id), name: '', args: '' };
          this.tools.set(key, call);
        }
        if (!call.id && typeof t?.id === 'string') call.id = t.id;
        if (typeof t?.function?.name === 'string') call.name += t.function.name;
        if (typeof t?.function?.arguments === 'string') call.args += t.function.arguments;
      }
    }
    if (choice?.finish_reason) this.stop = stopReason(choice.finish_reason);
    return out;
  }

  /** The closing events: open block, the gathered tool calls, stop reason and usage (`cut`: for quota). */
  end(cut = false): SseOut[] {
    if (this.ended) return [];
    this.ended = true;
    const out: SseOut[] = [];
    this.start(out);
    this.close(out);
    for (const call of this.tools.values()) {
      this.index += 1;
      const id = call.id.replace(/[^A-Za-z0-9_-]/g, '_') || `toolu_${this.index}`;
      out.push(
        ev('content_block_start', {
          index: this.index,
          content_block: { type: 'tool_use', id, name: call.name, input: {} },
        }),
      );
      const json = JSON.stringify(parseArgs(call.args));
      out.push(
        ev('content_block_delta', {
          index: this.index,
          delta: { type: 'input_json_delta', partial_json: json },
        }),
      );
      out.push(ev('content_block_stop', { index: this.index }));
    }
    // a tool call is a tool_use stop whatever the upstream said (clients run tools only then)
    const stop = cut ? 'max_tokens' : this.tools.size > 0 ? 'tool_use' : this.stop;
    out.push(
      ev('message_delta', {
        delta: { stop_reason: stop, stop_sequence: null },
        usage: anthropicUsage(this.usage),
      }),
    );
    out.push(ev('message_stop', {}));
    return out;
  }

  cut(): SseOut[] {
    return this.end(true);
  }
}

export const messagesCodec: InboundCodec = {
  endpoint: 'messages',
  toChat: messagesToChat,
  fromChat: chatToMessage,
  streamFromChat: (model, promptEstimate) => new ChatToMessagesStream(model, promptEstimate),
};
