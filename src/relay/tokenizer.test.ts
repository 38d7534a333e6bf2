import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countPrompt, countText, encodingFor, reservePromptTokens } from './tokenizer.ts';

describe('tokenizer', () => {
  it('picks o200k for the gpt-4o and o families, cl100k otherwise', () => {
    assert.equal(encodingFor('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingFor('o3-mini'), 'o200k_base');
    assert.equal(encodingFor('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingFor('claude-3-5-sonnet'), 'cl100k_base');
  });

  it('counts with a real BPE, not characters / 4', async () => {
    assert.equal(await countText('gpt-4', 'hello world'), 2);
    assert.equal(await countText('gpt-4o', 'hello world'), 2);
    assert.equal(await countText('gpt-4', ''), 0);
    // "Hello there!" is 3 tokens in cl100k: Hello, " there", "!"
    assert.equal(await countText('gpt-4', 'Hello there!'), 3);
  });

  it('counts chat prompts with per-message overhead (OpenAI cookbook figures)', async () => {
    const body = { messages: [{ role: 'user', content: 'hello world' }] };
    // 3 priming + 3 per message + 2 content
    assert.equal(await countPrompt('chat', body, 'gpt-4'), 8);
    assert.equal(
      await countPrompt('embeddings', { input: ['hello world', 'hello'] }, 'text-embedding-3-small'),
      4,
    );
    assert.equal(await countPrompt('completions', { prompt: 'hello world' }, 'gpt-3.5-turbo-instruct'), 2);
  });

  it('reserves with bytes / 4 until the encoder is loaded, then with the real count', async () => {
    const body = { prompt: 'hello world, hello world' };
    // cl100k was loaded by the tests above; o200k may or may not be, depending on order
    assert.equal(
      reservePromptTokens('completions', body, 'gpt-4'),
      await countPrompt('completions', body, 'gpt-4'),
    );
    const fresh = reservePromptTokens('completions', body, 'o1-preview');
    const real = await countPrompt('completions', body, 'o1-preview');
    assert.ok(fresh === real || fresh === Math.ceil(Buffer.byteLength(body.prompt) / 4));
    assert.equal(reservePromptTokens('completions', body, 'o1-preview'), real);
  });
});
