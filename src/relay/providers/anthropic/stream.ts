/**
 * Anthropic Messages SSE → OpenAI chat.completion.chunk events. Usage: input tokens from
 * `message_start`, output tokens from `message_delta`.
 * Event reference: https://docs.anthropic.com/en/api/messages-streaming
 */
import type { SseEvent, StreamOptions, StreamTransformer, Usage } from '../types.ts';
import { usageOf } from '../types.ts';
import { finishReason } from './api.ts';
import { readUsage } from './chat.ts';

export class AnthropicStream implements StreamTransformer {
  usage: Usage | undefined;
  private id = 'chatcmpl-anthropic';
  private readonly created = Math.floor(Date.now() / 1000);
  private input = 0;
  private readonly texts: string[] = [];
  private taken = 0;
  private done = false;

  constructor(private readonly opts: StreamOptions) {}

  private chunk(delta: Record<string, unknown>, finish: string | null): string {
    return JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.opts.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  }

  onEvent(ev: SseEvent): string[] {
    let json: any;
    try {
      json = JSON.parse(ev.data);
    } catch {
      return [];
    }
    switch (json?.type) {
      case 'message_start': {
        if (typeof json.message?.id === 'string') this.id = json.message.id;
        this.input = readUsage(json.message?.usage)?.prompt_tokens ?? 0;
        return [this.chunk({ role: 'assistant', content: '' }, null)];
      }
      case 'content_block_delta': {
        const text = json.delta?.type === 'text_delta' ? json.delta.text : undefined;
        if (typeof text !== 'string') return [];
        this.texts.push(text);
        return [this.chunk({ content: text }, null)];
      }
      case 'message_delta': {
        const output = json.usage?.output_tokens;
        if (typeof output === 'number') this.usage = usageOf(this.input, output);
        return [this.chunk({}, finishReason(json.delta?.stop_reason) ?? 'stop')];
      }
      case 'message_stop':
        return this.finish();
      case 'error':
        this.done = true;
        return [
          JSON.stringify({
            error: { message: json.error?.message ?? 'upstream error', type: 'upstream_error' },
          }),
        ];
      default:
        return []; // ping, content_block_start/stop
    }
  }

  private finish(): string[] {
    if (this.done) return [];
    this.done = true;
    const out: string[] = [];
    if (this.usage && this.opts.clientWantsUsage) {
      out.push(
        JSON.stringify({
          id: this.id,
          object: 'chat.completion.chunk',
          created: this.created,
          model: this.opts.model,
          choices: [],
          usage: this.usage,
        }),
      );
    }
    out.push('[DONE]');
    return out;
  }

  end(): string[] {
    return this.finish();
  }

  takeText(): string {
    const out = this.texts.slice(this.taken).join('');
    this.taken = this.texts.length;
    return out;
  }

  producedText(): string {
    return this.texts.join('');
  }
}
