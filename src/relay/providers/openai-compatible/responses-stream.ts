/**
 * OpenAI chat chunks → Responses stream events (created, items, deltas, completed), numbered, and the
 * Responses codec the relay converts through chat with.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { ChatStreamConverter, InboundCodec, SseEvent, SseOut, Usage } from '../types.ts';
import { str } from '../types.ts';
import { chatToResponse, finished, messageItem, respId, responsesToChat, shell } from './responses.ts';

type Obj = Record<string, any>;

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
