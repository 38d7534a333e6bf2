import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SseParser } from '../../stream.ts';
import { azure } from '../azure/index.ts';
import type { SseOut } from '../types.ts';
import { gemini } from './index.ts';

/** Recorded answers of the real APIs, shared with the end-to-end fakes. */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../test/fixtures/wire/${name}`, import.meta.url), 'utf8');
const data = (p: SseOut): string => (typeof p === 'string' ? p : p.data);

describe('gemini adapter (type 24)', () => {
  it('builds generateContent and the SSE stream URL with the key header and the channel version', () => {
    const r = gemini.buildRequest({
      endpoint: 'chat',
      body: {
        model: 'g',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_tokens: 64,
        stop: 'END',
      },
      model: 'gemini-2.5-flash',
      stream: true,
      baseUrl: '',
      key: 'AIza',
      apiVersion: 'v1alpha',
    });
    assert.equal(
      r.url,
      'https://generativelanguage.googleapis.com/v1alpha/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    assert.equal(r.headers['x-goog-api-key'], 'AIza');
    assert.deepEqual(JSON.parse(r.body as string), {
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 64, stopSequences: ['END'] },
    });
  });

  it('reads an answer: text, finish reason, usage with thinking tokens as completion', () => {
    const out = gemini.transformResponse('chat', fixture('gemini-text.json'), 'g');
    const body = JSON.parse(out.body);
    assert.equal(body.choices[0].message.content, 'Hello! How can I help?');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(out.usage, {
      prompt_tokens: 9,
      completion_tokens: 38,
      total_tokens: 47,
      completion_tokens_details: { reasoning_tokens: 30 },
    });
    const tool = JSON.parse(gemini.transformResponse('chat', fixture('gemini-tool.json'), 'g').body);
    assert.equal(tool.choices[0].finish_reason, 'tool_calls');
    assert.equal(tool.choices[0].message.tool_calls[0].function.arguments, '{"city":"Paris"}');
    assert.equal(
      tool.choices[0].message.tool_calls[0].extra_content.google.thought_signature,
      'CiIBVKhc7oDsb',
    );
  });

  it('reads the SSE stream (CRLF-separated, as Google sends it) into chat chunks with usage', () => {
    const t = gemini.createStreamTransformer({ endpoint: 'chat', clientWantsUsage: true, model: 'g' });
    const parser = new SseParser();
    const text = fixture('gemini-text.sse');
    const out: string[] = [];
    for (let i = 0; i < text.length; i += 29)
      for (const ev of parser.push(text.slice(i, i + 29))) out.push(...t.onEvent(ev).map(data));
    out.push(...t.end().map(data));
    const chunks = out.slice(0, -1).map((s) => JSON.parse(s));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello! How can I help?');
    assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason, 'stop');
    assert.equal(chunks.at(-1).usage.completion_tokens, 38);
    assert.equal(out.at(-1), '[DONE]');
  });
});

describe('azure adapter (type 3)', () => {
  it('calls the deployment (dots removed) with api-version and api-key, the body as OpenAI', () => {
    const r = azure.buildRequest({
      endpoint: 'chat',
      body: { model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'Hi' }] },
      model: 'gpt-3.5-turbo',
      stream: true,
      baseUrl: 'https://res.openai.azure.com/',
      key: 'k',
    });
    assert.equal(
      r.url,
      'https://res.openai.azure.com/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21',
    );
    assert.deepEqual(r.headers, { 'api-key': 'k', 'content-type': 'application/json' });
    assert.equal(JSON.parse(r.body as string).stream_options.include_usage, true);
    assert.equal(azure.supports('responses'), false, 'Responses are converted through chat');
  });
});
