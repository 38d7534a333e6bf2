/**
 * Anthropic Messages SSE → OpenAI chat.completion.chunk events: text, thinking (as `reasoning_content`)
 * and tool use (as `tool_calls` deltas). Usage: input and cache tokens from `message_start`, output tokens
 * (and, from newer APIs, updated input tokens) from `message_delta`.
 * Event reference: https://docs.anthropic.com/en/api/messages-streaming
 */

import { ChatChunks, TextLog } from '../text-log.ts';
import type { SseEvent, SseOut, StreamOptions, StreamTransformer, Usage } from '../types.ts';
import { str } from '../types.ts';
import { finishReason } from './api.ts';
import { readUsage } from './chat.ts';

export class AnthropicStream implements StreamTransformer {
  usage: Usage | undefined;
  private readonly out: ChatChunks;
  /** the usage object of message_start, updated by message_delta */
  private raw: Record<string, unknown> = {};
  private readonly log = new TextLog();
  private done = false;
  /** message_delta with a stop reason, message_stop or an error event came */
  complete = false;
  /** content block index → tool call index (OpenAI numbers tool calls from 0) */
  private readonly tools = new Map<number, number>();

  constructor(private readonly opts: StreamOptions) {
    this.out = new ChatChunks(opts.model, 'chatcmpl-anthropic');
  }

  onEvent(ev: SseEvent): SseOut[] {
    let json: any;
    try {
      json = JSON.parse(ev.data);
    } catch {
      return [];
    }
    switch (json?.type) {
      case 'message_start': {
        if (typeof json.message?.id === 'string') this.out.id = json.message.id;
        this.raw = { ...(json.message?.usage ?? {}) };
        return [this.out.delta({ role: 'assistant', content: '' }, null)];
      }
      case 'content_block_start': {
        const b = json.content_block;
        if (b?.type !== 'tool_use') return [];
        const i = this.tools.size;
        this.tools.set(json.index, i);
        this.log.push(str(b.name ?? ''));
        const call = { index: i, id: b.id, type: 'function', function: { name: b.name, arguments: '' } };
        return [this.out.delta({ tool_calls: [call] }, null)];
      }
      case 'content_block_delta': {
        const d = json.delta;
        if (d?.type === 'text_delta' && typeof d.text === 'string') {
          this.log.push(d.text);
          return [this.out.delta({ content: d.text }, null)];
        }
        if (d?.type === 'thinking_delta' && typeof d.thinking === 'string') {
          this.log.push(d.thinking);
          return [this.out.delta({ reasoning_content: d.thinking }, null)];
        }
        if (d?.type === 'input_json_delta' && typeof d.partial_json === 'string') {
          const i = this.tools.get(json.index);
          if (i === undefined) return [];
          this.log.push(d.partial_json);
          return [
            this.out.delta({ tool_calls: [{ index: i, function: { arguments: d.partial_json } }] }, null),
          ];
        }
        return [];
      }
      case 'message_delta': {
        this.complete = true;
        const u = json.usage ?? {};
        for (const k of Object.keys(u)) if (typeof u[k] === 'number') this.raw[k] = u[k];
        if (typeof u.output_tokens === 'number') this.usage = readUsage(this.raw);
        return [this.out.delta({}, finishReason(json.delta?.stop_reason) ?? 'stop')];
      }
      case 'message_stop':
        this.complete = true;
        return this.finish();
      case 'error':
        this.complete = true;
        this.done = true;
        return [ChatChunks.error(str(json.error?.message, 'upstream error'))];
      default:
        return []; // ping, content_block_stop
    }
  }

  private finish(): SseOut[] {
    if (this.done) return [];
    this.done = true;
    const out: SseOut[] = [];
    if (this.usage && this.opts.clientWantsUsage) {
      out.push(this.out.usage(this.usage));
    }
    out.push('[DONE]');
    return out;
  }

  end(): SseOut[] {
    return this.finish();
  }

  takeText(): string {
    return this.log.take();
  }

  producedText(): string {
    return this.log.all();
  }
}
