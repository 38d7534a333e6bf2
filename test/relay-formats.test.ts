/**
 * Issue 15: the relay speaks OpenAI chat, OpenAI Responses, Anthropic Messages and Gemini, each to a
 * channel of any format, driven by each format's official client (`openai`, `@anthropic-ai/sdk`,
 * `@google/genai`) against strict fake upstreams answering with recorded fixtures
 * (test/support/wire-upstream.ts). Every inbound × upstream pair, stream and not, text and tool call:
 * the client reads the answer, and the one log of the call holds the upstream's own usage numbers.
 * Runs on SQLite: billing and logging below the relay are the same code on every engine (covered there).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import {
  listen,
  logRows,
  seedChannel,
  seedToken,
  setPricing,
  settled,
  userRow,
} from './support/relay-fixtures.ts';
import { fixture, KEYS, startWireUpstream, type WireUpstream } from './support/wire-upstream.ts';

type Inbound = 'chat' | 'responses' | 'messages' | 'gemini';
type Upstream = 'openai' | 'anthropic' | 'gemini';

const MODEL: Record<Upstream, string> = { openai: 'gpt-x', anthropic: 'claude-x', gemini: 'gemini-x' };
const TEXT = 'Hello! How can I help?';
const WEATHER = {
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The usage each fixture reports, as OpenAI counts it (prompt includes cached; completion includes reasoning). */
const USAGE: Record<
  string,
  { prompt: number; completion: number; cached?: number; created?: number; reasoning?: number }
> = {
  'openai-chat-text': { prompt: 1043, completion: 10, cached: 1024 },
  'openai-chat-tool': { prompt: 82, completion: 17 },
  'openai-responses-text': { prompt: 36, completion: 87, reasoning: 64 },
  'openai-responses-tool': { prompt: 291, completion: 23, cached: 256 },
  'anthropic-text': { prompt: 21 + 2048, completion: 12, cached: 2048 },
  'anthropic-tool': { prompt: 128 + 256, completion: 58, created: 256 },
  'gemini-text': { prompt: 9, completion: 8 + 30, reasoning: 30 },
  'gemini-tool': { prompt: 62, completion: 15 },
};

/** Which fixture answers a call: the upstream's own format (Responses passes through to OpenAI). */
function fixtureOf(inbound: Inbound, upstream: Upstream, tool: boolean): string {
  const kind = tool ? 'tool' : 'text';
  if (upstream === 'openai') return `openai-${inbound === 'responses' ? 'responses' : 'chat'}-${kind}`;
  return `${upstream}-${kind}`;
}

interface Answer {
  text: string;
  call?: { name: string; args: unknown };
  /** the usage the client itself was told, in the client's format */
  usage: { input: number; output: number };
}

describe('relay formats: every inbound format to every upstream format (official clients, recorded fixtures)', () => {
  let t: TestApp;
  let up: WireUpstream;
  let key: string;
  let userId: number;
  let origin: string;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let genai: GoogleGenAI;

  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    up = await startWireUpstream();
    const root = await setupRoot(t);
    const user = await createActor(t, root, 'agent', { quota: 10_000_000 });
    userId = user.id;
    key = (await seedToken(t, { user_id: user.id, unlimited_quota: true })).key;
    const mapping = { openai: 'gpt-4.1', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' };
    const types = { openai: 1, anthropic: 14, gemini: 24 };
    for (const u of ['openai', 'anthropic', 'gemini'] as Upstream[])
      await seedChannel(t, {
        name: u,
        type: types[u],
        key: KEYS[u],
        base_url: up.url,
        models: [MODEL[u]],
        model_mapping: { [MODEL[u]]: mapping[u] },
        // the fake at 127.0.0.1 has OpenAI's /v1/responses (only api.openai.com is assumed to)
        ...(u === 'openai' ? { settings: { responses: 'passthrough' } } : {}),
      });
    const ratio = Object.fromEntries(Object.values(MODEL).map((m) => [m, 1]));
    const half = Object.fromEntries(Object.values(MODEL).map((m) => [m, 0.5]));
    await setPricing(t, { ModelRatio: ratio, CompletionRatio: ratio, CacheRatio: half });
    const base = await listen(t);
    origin = base.replace(/\/v1$/, '');
    openai = new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: key, baseURL: origin, maxRetries: 0 });
    genai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: origin } });
  });
  after(async () => {
    await t?.close();
    await up?.close();
  });

  async function call(inbound: Inbound, model: string, stream: boolean, tool: boolean): Promise<Answer> {
    const prompt = 'What is the weather in Paris?';
    if (inbound === 'chat') {
      const body = {
        model,
        messages: [{ role: 'user' as const, content: prompt }],
        ...(tool ? { tools: [{ type: 'function' as const, function: WEATHER }] } : {}),
      };
      if (!stream) {
        const r = await openai.chat.completions.create(body);
        const c = r.choices[0].message.tool_calls?.[0];
        return {
          text: r.choices[0].message.content ?? '',
          call:
            c?.type === 'function'
              ? { name: c.function.name, args: JSON.parse(c.function.arguments) }
              : undefined,
          usage: { input: r.usage!.prompt_tokens, output: r.usage!.completion_tokens },
        };
      }
      const s = await openai.chat.completions.create({
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let name = '';
      let args = '';
      let usage = { input: -1, output: -1 };
      for await (const c of s) {
        const d = c.choices[0]?.delta;
        text += d?.content ?? '';
        for (const tc of d?.tool_calls ?? []) {
          name += tc.function?.name ?? '';
          args += tc.function?.arguments ?? '';
        }
        if (c.usage) usage = { input: c.usage.prompt_tokens, output: c.usage.completion_tokens };
      }
      return { text, call: name ? { name, args: JSON.parse(args) } : undefined, usage };
    }
    if (inbound === 'responses') {
      const body = {
        model,
        input: prompt,
        store: false,
        ...(tool ? { tools: [{ type: 'function' as const, strict: false, ...WEATHER }] } : {}),
      };
      const r = stream
        ? await openai.responses.stream(body).finalResponse()
        : await openai.responses.create(body);
      const fc = r.output.find((o) => o.type === 'function_call');
      return {
        text: r.output_text,
        call: fc?.type === 'function_call' ? { name: fc.name, args: JSON.parse(fc.arguments) } : undefined,
        usage: { input: r.usage!.input_tokens, output: r.usage!.output_tokens },
      };
    }
    if (inbound === 'messages') {
      const body = {
        model,
        max_tokens: 256,
        messages: [{ role: 'user' as const, content: prompt }],
        ...(tool
          ? {
              tools: [
                {
                  name: WEATHER.name,
                  description: WEATHER.description,
                  input_schema: WEATHER.parameters as any,
                },
              ],
            }
          : {}),
      };
      const m = stream
        ? await anthropic.messages.stream(body).finalMessage()
        : await anthropic.messages.create(body);
      const use = m.content.find((b) => b.type === 'tool_use');
      return {
        text: m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
        call: use?.type === 'tool_use' ? { name: use.name, args: use.input } : undefined,
        usage: {
          input:
            m.usage.input_tokens +
            (m.usage.cache_read_input_tokens ?? 0) +
            (m.usage.cache_creation_input_tokens ?? 0),
          output: m.usage.output_tokens,
        },
      };
    }
    const req = {
      model,
      contents: prompt,
      config: tool
        ? {
            tools: [
              {
                functionDeclarations: [
                  {
                    name: WEATHER.name,
                    description: WEATHER.description,
                    parametersJsonSchema: WEATHER.parameters,
                  },
                ],
              },
            ],
          }
        : {},
    };
    if (!stream) {
      const r = await genai.models.generateContent(req);
      const fc = r.functionCalls?.[0];
      return {
        text: r.text ?? '',
        call: fc ? { name: fc.name!, args: fc.args } : undefined,
        usage: {
          input: r.usageMetadata!.promptTokenCount!,
          output: (r.usageMetadata!.candidatesTokenCount ?? 0) + (r.usageMetadata!.thoughtsTokenCount ?? 0),
        },
      };
    }
    let text = '';
    let fcall: Answer['call'];
    let usage = { input: -1, output: -1 };
    for await (const c of await genai.models.generateContentStream(req)) {
      text += c.text ?? '';
      const fc = c.functionCalls?.[0];
      if (fc) fcall = { name: fc.name!, args: fc.args };
      if (c.usageMetadata?.promptTokenCount !== undefined)
        usage = {
          input: c.usageMetadata.promptTokenCount,
          output: (c.usageMetadata.candidatesTokenCount ?? 0) + (c.usageMetadata.thoughtsTokenCount ?? 0),
        };
    }
    return { text, call: fcall, usage };
  }

  // a stream whose upstream response ends before its closing events (a cut that closed cleanly) is a
  // break the client's own SDK reports, not an answer it would take for whole; billed for what came
  for (const inbound of ['chat', 'responses', 'messages', 'gemini'] as Inbound[])
    for (const upstream of ['openai', 'anthropic', 'gemini'] as Upstream[])
      it(`${inbound} → ${upstream}, stream ended early upstream: the client is told it broke`, async () => {
        up.endStreamsEarly = true;
        try {
          // each SDK throws its own kind (the Responses stream throws the error event as it came)
          await assert.rejects(call(inbound, MODEL[upstream], true, false), (e: any) =>
            /upstream stream interrupted/.test(String(e?.message ?? e)),
          );
        } finally {
          up.endStreamsEarly = false;
        }
        await settled(t);
        const log = (await logRows(t)).at(-1)!;
        assert.equal(log.model_name, MODEL[upstream]);
        assert.match(JSON.parse(log.other).stream_error, /before its closing event/);
      });

  for (const inbound of ['chat', 'responses', 'messages', 'gemini'] as Inbound[])
    for (const upstream of ['openai', 'anthropic', 'gemini'] as Upstream[])
      for (const stream of [false, true])
        for (const tool of [false, true])
          it(`${inbound} → ${upstream}${stream ? ', stream' : ''}${tool ? ', tool call' : ''}`, async () => {
            const before = (await logRows(t, 2)).length;
            const seen = up.requests.length;
            const a = await call(inbound, MODEL[upstream], stream, tool);
            const fx = fixtureOf(inbound, upstream, tool);
            const sent = up.requests.slice(seen);
            assert.equal(sent.length, 1, 'one upstream request');
            assert.equal(sent[0].refused, undefined, `the upstream refused: ${sent[0].refused}`);
            if (tool) {
              assert.deepEqual(a.call, { name: 'get_weather', args: { city: 'Paris' } });
            } else assert.equal(a.text, TEXT);
            const u = USAGE[fx];
            assert.deepEqual(
              a.usage,
              { input: u.prompt, output: u.completion },
              'the client is told the upstream usage',
            );
            await settled(t);
            const logs = await logRows(t, 2);
            assert.equal(logs.length, before + 1, 'one consume log');
            const log = logs.at(-1)!;
            assert.equal(log.prompt_tokens, u.prompt);
            assert.equal(log.completion_tokens, u.completion);
            const cached = u.cached ?? 0;
            const created = u.created ?? 0;
            assert.equal(
              log.quota,
              u.prompt - cached / 2 + created / 4 + u.completion,
              'ratio 1, cached tokens at CacheRatio 0.5, cache writes at CreateCacheRatio 1.25 (unset)',
            );
            assert.equal(log.model_name, MODEL[upstream]);
            assert.equal(Boolean(log.is_stream), stream);
            const other = JSON.parse(log.other);
            assert.equal(other.usage_source, 'upstream');
            if (u.cached) {
              assert.equal(other.cached_tokens, u.cached);
              assert.equal(other.cache_ratio, 0.5);
            }
            if (u.created) {
              assert.equal(other.cache_creation_tokens, u.created);
              assert.equal(other.create_cache_ratio, 1.25);
            }
            if (u.reasoning) assert.equal(other.reasoning_tokens, u.reasoning);
            const native =
              (inbound === 'chat' || inbound === 'responses') === (upstream === 'openai') &&
              (inbound !== 'messages' || upstream === 'anthropic');
            if (!(inbound === 'chat' && upstream === 'openai')) {
              assert.equal(other.request_format, inbound);
              assert.equal(
                other.upstream_format,
                { openai: 'openai-compatible', anthropic: 'anthropic', gemini: 'gemini' }[upstream],
              );
              const passthrough =
                (inbound === 'responses' && upstream === 'openai') ||
                (inbound === 'messages' && upstream === 'anthropic') ||
                (inbound === 'gemini' && upstream === 'gemini');
              assert.equal(other.converted, !passthrough);
            } else assert.ok(native);
          });

  it('a passthrough keeps the body and the answer as they are, with the channel model and key (messages → anthropic)', async () => {
    const seen = up.requests.length;
    const res = await fetch(`${origin}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'anthropic-version': '2023-06-01',
        // a beta that changes the price (1M context) or reaches the channel owner's files is not forwarded
        'anthropic-beta': 'context-management-2025-06-27, context-1m-2025-08-07,files-api-2025-04-14',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'claude-x',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Hi' }],
        top_k: 5,
        metadata: { user_id: 'u-1' },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), fixture('anthropic-text.json'), 'the upstream answer byte for byte');
    const sent = up.requests[seen];
    assert.equal(sent.headers['x-api-key'], KEYS.anthropic, 'the channel key, never the client one');
    assert.equal(sent.headers['anthropic-beta'], 'context-management-2025-06-27');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(sent.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi' }],
      top_k: 5,
      metadata: { user_id: 'u-1' },
    });
  });

  it('a Gemini passthrough sends the client body without the fields the route took from the URL', async () => {
    const seen = up.requests.length;
    const r = await genai.models.generateContent({
      model: 'gemini-x',
      contents: 'Hi',
      config: { temperature: 0.3 },
    });
    assert.equal(r.text, TEXT);
    const sent = up.requests[seen];
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], KEYS.gemini);
    assert.deepEqual(Object.keys(sent.body).sort(), ['contents', 'generationConfig']);
  });

  describe('tool results sent back are converted so the upstream accepts them', () => {
    it('Anthropic tool_result → OpenAI and Gemini channels', async () => {
      for (const model of ['gpt-x', 'gemini-x']) {
        const m = await anthropic.messages.create({
          model,
          max_tokens: 64,
          tools: [{ name: 'get_weather', input_schema: WEATHER.parameters as any }],
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            {
              role: 'assistant',
              content: [
                { type: 'text', text: 'Checking.' },
                { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
              ],
            },
            {
              role: 'user',
              content: [
                { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"sky":"clear"}' },
                { type: 'text', text: 'Thanks' },
              ],
            },
          ],
        });
        assert.equal(up.requests.at(-1)!.refused, undefined, `${model}: ${up.requests.at(-1)!.refused}`);
        assert.equal(m.content[0].type === 'text' && m.content[0].text, TEXT);
      }
    });

    it('OpenAI tool messages → Anthropic and Gemini channels', async () => {
      for (const model of ['claude-x', 'gemini-x']) {
        const r = await openai.chat.completions.create({
          model,
          tools: [{ type: 'function', function: WEATHER }],
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Weather in Paris and Rome?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
                },
                {
                  id: 'call_2',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
                },
              ],
            },
            { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"clear"}' },
            { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
          ],
        });
        assert.equal(up.requests.at(-1)!.refused, undefined, `${model}: ${up.requests.at(-1)!.refused}`);
        assert.equal(r.choices[0].message.content, TEXT);
      }
      const toAnthropic = up.requests.filter((r) => r.path === '/v1/messages').at(-1)!.body;
      assert.equal(toAnthropic.system, 'Be brief.');
      assert.deepEqual(
        toAnthropic.messages[2].content.map((b: any) => [b.type, b.tool_use_id]),
        [
          ['tool_result', 'call_1'],
          ['tool_result', 'call_2'],
        ],
        'both results in one user turn',
      );
    });

    it('Responses function_call_output → Anthropic and Gemini channels', async () => {
      for (const model of ['claude-x', 'gemini-x']) {
        const r = await openai.responses.create({
          model,
          store: false,
          instructions: 'Be brief.',
          tools: [{ type: 'function', strict: false, ...WEATHER }],
          input: [
            { role: 'user', content: 'Weather in Paris?' },
            { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'function_call_output', call_id: 'call_9', output: '{"sky":"clear"}' },
          ],
        });
        assert.equal(up.requests.at(-1)!.refused, undefined, `${model}: ${up.requests.at(-1)!.refused}`);
        assert.equal(r.output_text, TEXT);
      }
    });

    it('Gemini functionResponse → OpenAI and Anthropic channels', async () => {
      for (const model of ['gpt-x', 'claude-x']) {
        const r = await genai.models.generateContent({
          model,
          contents: [
            { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
            { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
            {
              role: 'user',
              parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'clear' } } }],
            },
          ],
          config: {
            systemInstruction: 'Be brief.',
            tools: [
              { functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: WEATHER.parameters }] },
            ],
          },
        });
        assert.equal(up.requests.at(-1)!.refused, undefined, `${model}: ${up.requests.at(-1)!.refused}`);
        assert.equal(r.text, TEXT);
      }
    });
  });

  describe('errors in each format’s own shape', () => {
    it('a bad key: Anthropic authentication_error, Gemini UNAUTHENTICATED, OpenAI for Responses', async () => {
      const bad = new Anthropic({ apiKey: 'sk-nope', baseURL: origin, maxRetries: 0 });
      await assert.rejects(
        bad.messages.create({
          model: 'claude-x',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
        (e: any) =>
          e.status === 401 && e.error?.type === 'error' && e.error?.error?.type === 'authentication_error',
      );
      const g = new GoogleGenAI({ apiKey: 'sk-nope', httpOptions: { baseUrl: origin } });
      await assert.rejects(
        g.models.generateContent({ model: 'gemini-x', contents: 'Hi' }),
        (e: any) => e.status === 401 && /UNAUTHENTICATED|invalid API key/.test(e.message),
      );
      const o = new OpenAI({ apiKey: 'sk-nope', baseURL: `${origin}/v1`, maxRetries: 0 });
      await assert.rejects(
        o.responses.create({ model: 'gpt-x', input: 'Hi' }),
        (e: any) => e.status === 401 && e.code === 'invalid_api_key',
      );
    });

    it('bad input: 400 naming the field, in the format’s shape, nothing logged or billed', async () => {
      await settled(t);
      const before = (await logRows(t)).length;
      const quota = (await userRow(t, userId)).quota;
      const res = await fetch(`${origin}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /max_tokens/);
      const g = await fetch(`${origin}/v1beta/models/gemini-x:generateContent?key=${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [] }),
      });
      assert.equal(g.status, 400);
      const gb = await g.json();
      assert.equal(gb.error.status, 'INVALID_ARGUMENT');
      assert.match(gb.error.message, /contents/);
      const unknown = await fetch(`${origin}/v1beta/models/gemini-x:embedContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
      });
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.status, 'NOT_FOUND');
      await settled(t);
      assert.equal((await logRows(t)).length, before);
      assert.equal((await userRow(t, userId)).quota, quota);
    });

    it('Responses state needs an OpenAI channel: store or previous_response_id elsewhere is a clear 400', async () => {
      await assert.rejects(
        openai.responses.create({ model: 'claude-x', input: 'Hi', previous_response_id: 'resp_1' }),
        (e: any) =>
          e.status === 400 &&
          /previous_response_id/.test(e.message) &&
          e.code === 'stateful_responses_unsupported',
      );
      await assert.rejects(
        openai.responses.create({ model: 'gemini-x', input: 'Hi', store: true }),
        (e: any) => e.status === 400,
      );
      // OpenAI's own channel takes them through
      const seen = up.requests.length;
      await openai.responses.create({ model: 'gpt-x', input: 'Hi', previous_response_id: 'resp_1' });
      assert.equal(up.requests[seen].body.previous_response_id, 'resp_1');
    });
  });

  it('count_tokens (Anthropic) and countTokens (Gemini) count locally, for models the key may use', async () => {
    const c = await anthropic.messages.countTokens({
      model: 'claude-x',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello there, how are you today?' }],
    });
    assert.ok(c.input_tokens > 5 && c.input_tokens < 40, `counted ${c.input_tokens}`);
    const g = await genai.models.countTokens({
      model: 'gemini-x',
      contents: 'Hello there, how are you today?',
    });
    assert.ok(g.totalTokens! > 5 && g.totalTokens! < 40, `counted ${g.totalTokens}`);
    const limited = (await seedToken(t, { user_id: userId, model_limits: 'gpt-x' })).key;
    const res = await fetch(`${origin}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': limited, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(res.status, 403);
  });

  it('model lists in each format', async () => {
    const ids = ['claude-x', 'gemini-x', 'gpt-x'];
    const o = await openai.models.list();
    assert.deepEqual(o.data.map((m) => m.id).sort(), ids);
    const a = await anthropic.models.list();
    assert.deepEqual(a.data.map((m) => m.id).sort(), ids);
    assert.equal(a.data[0].type, 'model');
    const g = await genai.models.list();
    const names: string[] = [];
    for await (const m of g) names.push(m.name!);
    assert.deepEqual(
      names.sort(),
      ids.map((id) => `models/${id}`),
    );
  });
});
