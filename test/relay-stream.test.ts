import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { countPrompt, TokenCounter } from '../src/relay/tokenizer.ts';
import type { Actor, TestApp } from './support/app.ts';
import type { FakeUpstream } from './support/fake-upstream.ts';
import {
  client,
  logRows,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
  userRow,
} from './support/relay-fixtures.ts';

const messages = [{ role: 'user' as const, content: 'Tell me a story' }];
const counter = new TokenCounter();
after(() => counter.close());
const countText = (model: string, text: string) => counter.count(model, [text]);

describe('relay streams: estimates, client abort, Anthropic upstream (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let up: FakeUpstream;
  let user: Actor;
  let base: string;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'dave', quota: 1_000_000 });
    ({ t, up, user, base } = w);
    await setPricing(t, {
      ModelRatio: { 'gpt-4o-mini': 1, 'gpt-3.5-turbo': 1, claude: 2, slow: 1 },
      CompletionRatio: { claude: 5 },
    });
    await seedChannel(t, { base_url: up.url, models: ['gpt-4o-mini', 'gpt-3.5-turbo', 'slow'] });
    await seedChannel(t, {
      type: 14,
      name: 'anthropic',
      base_url: up.url,
      key: 'anthropic-secret',
      models: ['claude'],
      model_mapping: { claude: 'claude-3-5-sonnet-20241022' },
    });
  });
  after(() => w.close());

  it('estimates with the tokenizer when the upstream sends no usage, and says so', async () => {
    up.setBehavior({ omitUsage: true });
    const tok = await seedToken(t, { user_id: user.id });
    const stream = await client(base, tok.key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
    });
    for await (const _ of stream) {
    }
    await settled(t);
    up.setBehavior({});
    const log = (await logRows(t, 2)).find((l) => l.token_id === tok.id)!;
    const other = JSON.parse(log.other);
    assert.equal(other.usage_source, 'estimated');
    assert.equal(log.prompt_tokens, await countPrompt(counter, 'chat', { messages }, 'gpt-4o-mini'));
    assert.equal(log.completion_tokens, await countText('gpt-4o-mini', 'Hello from the fake upstream'));
    assert.equal(log.quota, log.prompt_tokens + log.completion_tokens);
  });

  it('cancels the upstream when the client leaves mid-stream, bills what was produced and logs it', async () => {
    const words = Array.from({ length: 200 }, (_, i) => ` word${i}`);
    up.setBehavior({ words, chunkDelayMs: 20 });
    const tok = await seedToken(t, { user_id: user.id });
    const target = t.ctx.relay.settlement.count + 1;
    const before = await userRow(t, user.id);
    const stream = await client(base, tok.key).chat.completions.create({
      model: 'slow',
      messages,
      stream: true,
    });
    let got = '';
    let n = 0;
    for await (const chunk of stream) {
      got += chunk.choices[0]?.delta?.content ?? '';
      if (++n === 3) break; // leaving the loop aborts the HTTP request
    }
    await t.ctx.relay.settlement.waitForCount(target);
    await settled(t);
    up.setBehavior({});
    const upstreamCall = up.requests.at(-1)!;
    await upstreamCall.closed;
    assert.equal(upstreamCall.aborted, true, 'the upstream request was cancelled');
    const log = (await logRows(t, 2)).find((l) => l.token_id === tok.id)!;
    const other = JSON.parse(log.other);
    assert.equal(other.usage_source, 'estimated');
    assert.equal(other.client_aborted, true);
    assert.equal(log.is_stream, 1);
    assert.ok(
      log.completion_tokens >= (await countText('gpt-3.5-turbo', got)),
      'what the client saw is billed',
    );
    assert.ok(log.completion_tokens < 200 * 2, 'not the whole answer');
    const after = await userRow(t, user.id);
    assert.equal(before.quota - after.quota, log.quota);
  });

  it('relays chat to an Anthropic upstream, stream and not, with usage from the Messages events', async () => {
    const tok = await seedToken(t, { user_id: user.id });
    const c = client(base, tok.key);
    const res = await c.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'system', content: 'brief' }, ...messages],
    });
    assert.equal(res.choices[0].message.content, 'Hello from the fake upstream');
    assert.deepEqual(res.usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    const sent = up.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], 'anthropic-secret');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.body.model, 'claude-3-5-sonnet-20241022');
    assert.equal(sent.body.system, 'brief');
    const stream = await c.chat.completions.create({
      model: 'claude',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Hello from the fake upstream');
    assert.deepEqual(usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    await settled(t);
    const logs = (await logRows(t, 2)).filter((l) => l.token_id === tok.id);
    assert.equal(logs.length, 2);
    for (const l of logs) {
      assert.equal(l.quota, (12 + 5 * 5) * 2);
      assert.equal(JSON.parse(l.other).usage_source, 'upstream');
    }
  });

  // A stream whose upstream response ends before its closing events (a connection cut that closed cleanly)
  // is a break, not a finish: each official client sees an error instead of an answer it would take for
  // whole, and the call is logged with the break and billed for what was produced. The same streams ended
  // properly still finish normally.
  describe('a stream cut short upstream ends as a break', () => {
    let key: string;
    let anthropic: Anthropic;
    before(async () => {
      key = (await seedToken(t, { user_id: user.id })).key;
      anthropic = new Anthropic({ apiKey: key, baseURL: base.replace(/\/v1$/, ''), maxRetries: 0 });
    });

    const lastLog = async () => {
      await settled(t);
      return (await logRows(t)).at(-1)!;
    };
    const chatText = async () => {
      let text = '';
      const stream = await client(base, key).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      return text;
    };
    const messagesText = async (model: string) => {
      const m = await anthropic.messages
        .stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage();
      return m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    };

    it('chat (openai client): the stream ends with an error, logged as broken and billed for what came', async () => {
      up.setBehavior({ endEarly: true });
      await assert.rejects(chatText(), /upstream stream interrupted/);
      const log = await lastLog();
      const other = JSON.parse(log.other);
      assert.match(other.stream_error, /before its closing event/);
      assert.equal(other.usage_source, 'estimated');
      assert.ok(log.completion_tokens > 0, 'the words that came are billed');
      up.setBehavior({});
      assert.equal(await chatText(), 'Hello from the fake upstream');
    });

    it('Messages converted through an OpenAI channel (@anthropic-ai/sdk): an error event, not end_turn', async () => {
      up.setBehavior({ endEarly: true });
      await assert.rejects(messagesText('gpt-4o-mini'), /upstream stream interrupted/);
      assert.match(JSON.parse((await lastLog()).other).stream_error, /before its closing event/);
      up.setBehavior({});
      assert.equal(await messagesText('gpt-4o-mini'), 'Hello from the fake upstream');
    });

    it('Messages passed through to an Anthropic channel (@anthropic-ai/sdk): an error event, not a silent end', async () => {
      up.setBehavior({ endEarly: true });
      await assert.rejects(messagesText('claude'), /upstream stream interrupted/);
      assert.match(JSON.parse((await lastLog()).other).stream_error, /before its closing event/);
      up.setBehavior({});
      assert.equal(await messagesText('claude'), 'Hello from the fake upstream');
    });
  });
});
