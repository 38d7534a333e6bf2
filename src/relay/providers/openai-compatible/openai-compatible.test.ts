import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SseOut } from '../types.ts';

const data = (p: SseOut): string => (typeof p === 'string' ? p : p.data);

import { SseParser } from '../../stream.ts';
import { openAiCompatible } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Feeds the fixture in small slices, as a network would. */
function run(text: string, clientWantsUsage: boolean) {
  const t = openAiCompatible.createStreamTransformer({
    endpoint: 'chat',
    clientWantsUsage,
    model: 'gpt-4o-mini',
  });
  const parser = new SseParser();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 37) {
    for (const ev of parser.push(text.slice(i, i + 37))) out.push(...t.onEvent(ev).map(data));
  }
  for (const ev of parser.flush()) out.push(...t.onEvent(ev).map(data));
  out.push(...t.end().map(data));
  return { t, out };
}

describe('openai-compatible adapter', () => {
  it('builds the request with the mapped model and asks for stream usage', () => {
    const req = openAiCompatible.buildRequest({
      endpoint: 'chat',
      body: { model: 'alias', messages: [], stream: true, stream_options: { foo: 1 } },
      model: 'gpt-4o-mini',
      stream: true,
      baseUrl: 'http://up.example/v1/',
      key: 'secret',
    });
    assert.equal(req.url, 'http://up.example/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer secret');
    assert.deepEqual(JSON.parse(req.body as string), {
      model: 'gpt-4o-mini',
      messages: [],
      stream: true,
      stream_options: { foo: 1, include_usage: true },
    });
    const emb = openAiCompatible.buildRequest({
      endpoint: 'embeddings',
      body: { model: 'e', input: 'x' },
      model: 'e',
      stream: false,
      baseUrl: '',
      key: 'k',
    });
    assert.equal(emb.url, 'https://api.openai.com/v1/embeddings');
    assert.equal(JSON.parse(emb.body as string).stream_options, undefined);
  });

  it('passes a non-stream body through and reads its usage', () => {
    const text = fixture('chat.json');
    const out = openAiCompatible.transformResponse('chat', text, 'gpt-4o');
    assert.equal(out.body, text);
    assert.deepEqual(out.usage, { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });
    assert.equal(out.text(), 'Hello! How can I assist you today?');
  });

  it('streams chunks through, reads usage from the final chunk and strips it when not asked for', () => {
    const { t, out } = run(fixture('chat-stream.sse'), false);
    assert.deepEqual(t.usage, { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    assert.equal(out.length, 5); // 4 content chunks + [DONE], usage chunk stripped
    assert.equal(out.at(-1), '[DONE]');
    assert.equal(t.producedText(), 'Hello there!');
    const asked = run(fixture('chat-stream.sse'), true);
    assert.equal(asked.out.length, 6);
    assert.deepEqual(JSON.parse(asked.out[4]).usage.total_tokens, 12);
  });

  it('adds [DONE] when the upstream ends without it, and reads error messages', () => {
    const { t, out } = run('data: {"choices":[{"delta":{"content":"a"}}]}\n\n', false);
    assert.equal(t.usage, undefined);
    assert.deepEqual(out.at(-1), '[DONE]');
    assert.equal(openAiCompatible.errorMessage(429, '{"error":{"message":"slow down"}}'), 'slow down');
    assert.equal(openAiCompatible.errorMessage(502, '<html>'), 'upstream answered 502');
  });
});
