import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { BUDGET_CHARS, budgetSlice, countBounded } from './token-count.ts';
import { countPrompt, encodingFor, TokenCounter } from './tokenizer.ts';

const counter = new TokenCounter();
after(() => counter.close());

describe('tokenizer', () => {
  it('picks o200k for the gpt-4o and o families, cl100k otherwise', () => {
    assert.equal(encodingFor('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingFor('o3-mini'), 'o200k_base');
    assert.equal(encodingFor('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingFor('claude-3-5-sonnet'), 'cl100k_base');
  });

  it('counts with a real BPE on the worker thread, not characters / 4', async () => {
    assert.equal(await counter.count('gpt-4', ['hello world']), 2);
    assert.equal(await counter.count('gpt-4o', ['hello world']), 2);
    assert.equal(await counter.count('gpt-4', ['']), 0);
    // "Hello there!" is 3 tokens in cl100k: Hello, " there", "!"
    assert.equal(await counter.count('gpt-4', ['Hello there!']), 3);
  });

  it('counts chat prompts with per-message overhead (OpenAI cookbook figures)', async () => {
    const body = { messages: [{ role: 'user', content: 'hello world' }] };
    // 3 priming + 3 per message + 2 content
    assert.equal(await countPrompt(counter, 'chat', body, 'gpt-4'), 8);
    const emb = { input: ['hello world', 'hello'] };
    assert.equal(await countPrompt(counter, 'embeddings', emb, 'text-embedding-3-small'), 3);
    assert.equal(
      await countPrompt(counter, 'completions', { prompt: 'hello world' }, 'gpt-3.5-turbo-instruct'),
      2,
    );
  });

  it('reserves short prompts by bytes / 4; long ones by the real count once the encoder has answered', async () => {
    const fresh = new TokenCounter();
    try {
      const short = { prompt: 'hello world, hello world' };
      assert.equal(
        await countPrompt(fresh, 'completions', short, 'o1-preview', true),
        Math.ceil(Buffer.byteLength(short.prompt) / 4),
      );
      const body = { prompt: 'hello world, hello world '.repeat(400) };
      const quick = await countPrompt(fresh, 'completions', body, 'o1-preview', true);
      assert.equal(quick, Math.ceil(Buffer.byteLength(body.prompt) / 4));
      const real = await countPrompt(fresh, 'completions', body, 'o1-preview');
      assert.equal(await countPrompt(fresh, 'completions', body, 'o1-preview', true), real);
    } finally {
      await fresh.close();
    }
  });
});

describe('bounded counting (CONTRACT §10: no prompt holds the event loop)', () => {
  const enc = new Tiktoken(cl100k);
  const encode = (s: string) => enc.encode(s, 'all').length;

  it('keeps exact counts for ordinary text and for long runs of one letter', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
    assert.equal(countBounded(encode, [prose]), encode(prose));
    // a 4,096-letter word: sliced, and still exact (cl100k merges "aaaaaaaa" into one token)
    const word = 'a'.repeat(4096);
    assert.equal(countBounded(encode, [word]), encode(word));
  });

  it('extrapolates past the budget from the ratio it measured', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(2000); // 90,000 characters
    const exact = encode(prose);
    const bounded = countBounded(encode, [prose]);
    assert.ok(prose.length > BUDGET_CHARS);
    assert.ok(Math.abs(bounded - exact) / exact < 0.01, `${bounded} vs ${exact}`);
  });

  it('sends the tokenizer thread only what it counts exactly, and extrapolates the rest the same way', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(2000);
    const sent = budgetSlice([prose, prose]);
    assert.equal(sent.texts.join('').length + sent.rest, prose.length * 2);
    assert.ok(sent.texts.join('').length <= BUDGET_CHARS);
    const viaThread = await counter.count('gpt-4', [prose, prose]);
    assert.equal(viaThread, countBounded(encode, [prose, prose]));
  });

  it('a 64 KB one-word prompt and 16,000 spaces cost the event loop nothing while counted', async () => {
    await counter.count('gpt-4o-mini', ['warm up']); // both encoders loaded before measuring
    await counter.count('gpt-4', ['warm up']);
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    const [word, spaces, cjk] = await Promise.all([
      counter.count('gpt-4o-mini', ['a'.repeat(65_536)]),
      counter.count('gpt-4', [' '.repeat(16_000)]),
      counter.count('gpt-4o', ['我们今天讨论的是一个非常重要的问题，关于系统的性能与安全。'.repeat(2000)]),
    ]);
    const took = performance.now() - t0;
    h.disable();
    assert.ok(word > 0 && spaces > 0 && cjk > 0);
    // unbounded, the 16,000 spaces alone held the loop for 19 s; here the loop never waits on the counts
    assert.ok(h.max / 1e6 < 250, `event loop held ${(h.max / 1e6).toFixed(0)} ms`);
    assert.ok(took < 10_000, `counts took ${took.toFixed(0)} ms`);
  });
});
