import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { SseOut } from '../types.ts';

const data = (p: SseOut): string => (typeof p === 'string' ? p : p.data);

import { SseParser } from '../../stream.ts';
import { anthropic } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function run(text: string, clientWantsUsage: boolean) {
  const t = anthropic.createStreamTransformer({ endpoint: 'chat', clientWantsUsage, model: 'claude-x' });
  const parser = new SseParser();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 50) {
    for (const ev of parser.push(text.slice(i, i + 50))) out.push(...t.onEvent(ev).map(data));
  }
  out.push(...t.end().map(data));
  return { t, out };
}

describe('anthropic adapter', () => {
  it('maps a chat completion request to Messages', () => {
    const req = anthropic.buildRequest({
      endpoint: 'chat',
      body: {
        model: 'claude-x',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          { role: 'assistant', content: 'Hello' },
        ],
        temperature: 0.2,
        stop: 'END',
        stream: true,
      },
      model: 'claude-3-5-sonnet-20241022',
      stream: true,
      baseUrl: 'http://up.example',
      key: 'secret',
    });
    assert.equal(req.url, 'http://up.example/v1/messages');
    assert.equal(req.headers['x-api-key'], 'secret');
    assert.equal(req.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(JSON.parse(req.body as string), {
      model: 'claude-3-5-sonnet-20241022',
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
        { role: 'assistant', content: 'Hello' },
      ],
      max_tokens: 4096,
      temperature: 0.2,
      stop_sequences: ['END'],
      stream: true,
    });
    assert.equal(anthropic.supports('embeddings'), false);
  });

  it('maps a Messages response to a chat completion', () => {
    const out = anthropic.transformResponse('chat', fixture('message.json'), 'claude-x');
    const body = JSON.parse(out.body);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'claude-x');
    assert.deepEqual(body.choices[0], {
      index: 0,
      message: { role: 'assistant', content: 'Hi! My name is Claude.' },
      finish_reason: 'stop',
    });
    assert.deepEqual(out.usage, { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 });
  });

  it('maps Messages stream events to chat chunks with usage from message_start and message_delta', () => {
    const { t, out } = run(fixture('messages-stream.sse'), true);
    assert.deepEqual(t.usage, { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    assert.equal(t.producedText(), 'Hello!');
    const chunks = out.slice(0, -1).map((d) => JSON.parse(d));
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(chunks[1].choices[0].delta.content, 'Hello');
    assert.equal(chunks[3].choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks[4].usage, t.usage);
    assert.equal(chunks[4].choices.length, 0);
    assert.equal(out.at(-1), '[DONE]');
    assert.equal(run(fixture('messages-stream.sse'), false).out.length, 5);
  });

  it('keeps input tokens when the stream is cut before message_delta', () => {
    const cut = fixture('messages-stream.sse').split('event: message_delta')[0];
    const { t } = run(cut, false);
    assert.equal(t.usage, undefined);
    assert.equal(t.producedText(), 'Hello!');
  });
});
