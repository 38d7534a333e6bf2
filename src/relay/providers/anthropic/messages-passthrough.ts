/**
 * Anthropic Messages to an Anthropic channel as they are (passthrough): the body with the channel's model,
 * the answer byte for byte, the events forwarded with their names; usage and text read on the way.
 */

import { TextLog } from '../text-log.ts';
import type { ResponseOutput, SseEvent, SseOut, StreamTransformer, Usage } from '../types.ts';
import { readUsage } from './chat.ts';
import { ev, msgId } from './messages.ts';

type Obj = Record<string, any>;

/** Assistant thinking blocks without a signature (made by a conversion): Anthropic refuses them. */
function unsigned(b: any): boolean {
  return (b?.type === 'thinking' && !b.signature) || (b?.type === 'redacted_thinking' && !b.data);
}

/**
 * The client's body with the channel's model name. Thinking blocks without a signature (which a
 * conversion gave the client earlier) are left out: Anthropic refuses the whole call for one.
 */
export function messagesRequestBody(body: Obj, model: string): string {
  const replay =
    Array.isArray(body.messages) &&
    body.messages.some(
      (m: any) => m?.role === 'assistant' && Array.isArray(m.content) && m.content.some(unsigned),
    );
  const messages = replay
    ? body.messages.map((m: any) =>
        m?.role === 'assistant' && Array.isArray(m.content)
          ? { ...m, content: m.content.filter((b: any) => !unsigned(b)) }
          : m,
      )
    : body.messages;
  if (body.model === model && messages === body.messages) return JSON.stringify(body);
  return JSON.stringify({ ...body, model, messages });
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
  private started = false;
  /** message_delta (the stop reason), message_stop or an error event came */
  complete = false;
  /** the content block started and not yet stopped, if any */
  private openBlock: number | null = null;
  private readonly log = new TextLog();

  onEvent(e: SseEvent): SseOut[] {
    // only the events that carry usage or text are parsed
    const type = e.event;
    if (type === 'message_stop' || type === 'message_delta' || type === 'error') this.complete = true;
    if (type === 'message_start') this.started = true;
    else if (type === 'content_block_stop') this.openBlock = null;
    else if (type === 'content_block_start') {
      const m = /"index"\s*:\s*(\d+)/.exec(e.data);
      this.openBlock = m ? Number(m[1]) : null;
    }
    if (type === 'message_start' || type === 'message_delta' || type === 'content_block_delta' || !type) {
      try {
        const json = JSON.parse(e.data);
        // an upstream that sends no `event:` lines names the event in its data only
        if (json?.type === 'message_stop' || json?.type === 'message_delta' || json?.type === 'error')
          this.complete = true;
        if (json?.type === 'message_start') this.raw = { ...(json.message?.usage ?? {}) };
        else if (json?.type === 'message_delta') {
          const u = json.usage ?? {};
          for (const k of Object.keys(u)) if (typeof u[k] === 'number') this.raw[k] = u[k];
          if (typeof u.output_tokens === 'number') this.usage = readUsage(this.raw);
        } else if (json?.type === 'content_block_delta') {
          const d = json.delta;
          const t = d?.text ?? d?.thinking ?? d?.partial_json;
          if (typeof t === 'string') this.log.push(t);
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

  /** Cut for quota: the open block closed, then a max_tokens stop, after whatever was already sent. */
  cut(): SseOut[] {
    const out: SseOut[] = [];
    if (!this.started)
      out.push(
        ev('message_start', {
          message: {
            id: msgId(''),
            type: 'message',
            role: 'assistant',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        }),
      );
    if (this.openBlock !== null) out.push(ev('content_block_stop', { index: this.openBlock }));
    out.push(
      ev('message_delta', {
        delta: { stop_reason: 'max_tokens', stop_sequence: null },
        usage: { output_tokens: 0 },
      }),
    );
    out.push(ev('message_stop', {}));
    return out;
  }

  producedText(): string {
    return this.log.all();
  }

  takeText(): string {
    return this.log.take();
  }
}
