/**
 * `complete` on each stream transformer: true once the upstream's own ending came, in every shape an
 * upstream sends it (with or without `event:` lines, blocked prompts, error events), false for a stream
 * cut before it. A false "false" would tell a client its whole answer broke (respond.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessagesPassthrough } from './anthropic/messages-passthrough.ts';
import { AnthropicStream } from './anthropic/stream.ts';
import { GeminiStream } from './gemini/chat.ts';
import { GeminiPassthrough } from './gemini/inbound.ts';
import { ResponsesPassthrough } from './openai-compatible/responses-passthrough.ts';
import { OpenAiStream } from './openai-compatible/transforms.ts';
import type { SseEvent, StreamTransformer } from './types.ts';

const opts = { endpoint: 'chat' as const, clientWantsUsage: false, model: 'm' };
const feed = (t: StreamTransformer, events: SseEvent[]) => {
  for (const e of events) t.onEvent(e);
  return t.complete;
};
const named = (type: string, data: object = {}): SseEvent => ({
  event: type,
  data: JSON.stringify({ type, ...data }),
});
const unnamed = (type: string, data: object = {}): SseEvent => ({ data: JSON.stringify({ type, ...data }) });

const messages = (ev: typeof named) => [
  ev('message_start', { message: { usage: { input_tokens: 3, output_tokens: 1 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } }),
  ev('content_block_stop', { index: 0 }),
  ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }),
  ev('message_stop'),
];

describe('stream transformers: complete', () => {
  it('OpenAI chat: [DONE], or a finish reason however spaced, or an error event; not a cut stream', () => {
    const chunk = (finish: string) => ({
      data: `{"choices":[{"index":0,"delta":{},"finish_reason":${finish}}]}`,
    });
    assert.equal(feed(new OpenAiStream(opts), [chunk('null')]), false);
    assert.equal(feed(new OpenAiStream(opts), [chunk('null'), { data: '[DONE]' }]), true);
    assert.equal(feed(new OpenAiStream(opts), [chunk('"stop"')]), true);
    assert.equal(feed(new OpenAiStream(opts), [{ data: '{"choices":[{"finish_reason": "length"}]}' }]), true);
    assert.equal(feed(new OpenAiStream(opts), [{ data: '{"error":{"message":"x"}}' }]), true);
  });

  it('Anthropic Messages passed through: with event lines or without, cut before message_delta', () => {
    assert.equal(feed(new MessagesPassthrough(), messages(named)), true);
    assert.equal(feed(new MessagesPassthrough(), messages(unnamed)), true);
    assert.equal(feed(new MessagesPassthrough(), messages(named).slice(0, 4)), false);
    assert.equal(feed(new MessagesPassthrough(), messages(unnamed).slice(0, 4)), false);
    assert.equal(feed(new MessagesPassthrough(), [named('error', { error: { message: 'x' } })]), true);
  });

  it('Anthropic to chat: message_delta, message_stop or error', () => {
    assert.equal(feed(new AnthropicStream(opts), messages(named)), true);
    assert.equal(feed(new AnthropicStream(opts), messages(named).slice(0, 4)), false);
  });

  it('Gemini, passed through and to chat: finishReason, a blocked prompt, or an error', () => {
    const part = { data: '{"candidates":[{"content":{"parts":[{"text":"hi"}],"role":"model"},"index":0}]}' };
    const last = { data: '{"candidates":[{"content":{"parts":[]},"finishReason":"STOP","index":0}]}' };
    const blocked = {
      data: '{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5}}',
    };
    const error = { data: '{"error":{"code":500,"message":"x"}}' };
    for (const make of [() => new GeminiPassthrough(), () => new GeminiStream(opts)]) {
      assert.equal(feed(make(), [part]), false);
      assert.equal(feed(make(), [part, last]), true);
      assert.equal(feed(make(), [blocked]), true);
      assert.equal(feed(make(), [part, error]), true);
    }
  });

  it('Responses passed through: response.completed (named or not), incomplete, failed, error', () => {
    const done = (type: string) => ({
      type,
      response: { id: 'r', usage: { input_tokens: 1, output_tokens: 1 } },
    });
    assert.equal(
      feed(new ResponsesPassthrough(), [named('response.created', { response: { id: 'r' } })]),
      false,
    );
    for (const type of ['response.completed', 'response.incomplete', 'response.failed']) {
      assert.equal(
        feed(new ResponsesPassthrough(), [{ event: type, data: JSON.stringify(done(type)) }]),
        true,
      );
      assert.equal(feed(new ResponsesPassthrough(), [{ data: JSON.stringify(done(type)) }]), true);
    }
    assert.equal(feed(new ResponsesPassthrough(), [named('error', { code: 'x', message: 'y' })]), true);
    assert.equal(feed(new ResponsesPassthrough(), [unnamed('error', { code: 'x', message: 'y' })]), true);
  });
});
