/**
 * A stream whose upstream response ends before its closing events (a connection cut that closed cleanly)
 * is a break, not a finish: each official client sees an error instead of an answer it would take for
 * whole, and the call is logged with the break and billed for what was produced. Chat passthrough (openai),
 * Messages converted through an OpenAI channel and Messages passed through to an Anthropic channel
 * (@anthropic-ai/sdk). The same streams ended properly still finish normally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { TestApp } from './support/app.ts';
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
} from './support/relay-fixtures.ts';

describe('relay: a stream cut short upstream ends as a break (sqlite)', () => {
  let w: RelayWorld;
  let t: TestApp;
  let up: FakeUpstream;
  let key: string;
  let anthropic: Anthropic;

  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'cut', quota: 10_000_000 });
    ({ t, up } = w);
    await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 1, claude: 1 } });
    await seedChannel(t, { base_url: up.url, models: ['gpt-4o-mini'] });
    await seedChannel(t, {
      type: 14,
      name: 'anthropic',
      base_url: up.url,
      key: 'a-secret',
      models: ['claude'],
    });
    key = (await seedToken(t, { user_id: w.user.id })).key;
    anthropic = new Anthropic({ apiKey: key, baseURL: w.base.replace(/\/v1$/, ''), maxRetries: 0 });
  });
  after(() => w.close());

  async function lastLog() {
    await settled(t);
    const rows = await logRows(t);
    return rows.at(-1)!;
  }

  async function chatText(): Promise<string> {
    let text = '';
    const stream = await client(w.base, key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    return text;
  }

  async function messagesText(model: string): Promise<string> {
    const m = await anthropic.messages
      .stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    return m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  }

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
