/**
 * Issue 17: more upstream kinds and endpoints, with the official `openai` client against strict fakes
 * (test/support/wire-upstream.ts) that check the exact URL, headers and body each provider requires:
 * Azure OpenAI (deployment URL, api-version, api-key) for chat, streams, embeddings, images and speech;
 * images (price per image × n, or gpt-image-1's token usage), speech (binary, per input character),
 * rerank (Jina shape), moderations; the OpenAI-compatible families; the channel test of every kind.
 * Runs on SQLite (billing below the relay is the same code on every engine).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { listen, logRows, seedChannel, seedToken, setPricing, settled } from './support/relay-fixtures.ts';
import { AUDIO, KEYS, startWireUpstream, type WireUpstream } from './support/wire-upstream.ts';

describe('relay endpoints and upstream kinds (issue 17)', () => {
  let t: TestApp;
  let up: WireUpstream;
  let root: Actor;
  let openai: OpenAI;
  let key: string;
  let base: string;
  const ids: Record<string, number> = {};

  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    up = await startWireUpstream();
    root = await setupRoot(t);
    const user = await createActor(t, root, 'maker', { quota: 100_000_000 });
    key = (await seedToken(t, { user_id: user.id })).key;
    ids.openai = await seedChannel(t, {
      name: 'openai',
      type: 1,
      key: KEYS.openai,
      base_url: up.url,
      models: [
        'dall-e-3',
        'gpt-image-1',
        'tts-1',
        'jina-reranker-v2',
        'omni-moderation-latest',
        'text-embedding-3-small',
        'whisper-1',
        'gpt-4o-transcribe',
      ],
    });
    ids.azure = await seedChannel(t, {
      name: 'azure',
      type: 3,
      key: KEYS.azure,
      base_url: `${up.url}/`,
      models: ['gpt-4.1-azure', 'text-embedding-azure', 'dall-e-azure', 'tts-azure', 'whisper-azure'],
      model_mapping: {
        'gpt-4.1-azure': 'gpt-4.1',
        'text-embedding-azure': 'text-embedding-3-small',
        'dall-e-azure': 'dall-e-3',
        'tts-azure': 'tts-1',
        'whisper-azure': 'whisper',
      },
      settings: { api_version: '2025-01-01-preview' },
    });
    ids.deepseek = await seedChannel(t, {
      name: 'deepseek',
      type: 43,
      key: KEYS.openai,
      base_url: up.url,
      models: ['deepseek-x'],
    });
    ids.gemini = await seedChannel(t, {
      name: 'gemini',
      type: 24,
      key: KEYS.gemini,
      base_url: up.url,
      models: ['gemini-2.5-flash'],
    });
    ids.anthropic = await seedChannel(t, {
      name: 'anthropic',
      type: 14,
      key: KEYS.anthropic,
      base_url: up.url,
      models: ['claude-x'],
    });
    await setPricing(t, {
      ModelPrice: { 'dall-e-3': 0.04, 'dall-e-azure': 0.04 },
      ModelRatio: {
        'gpt-image-1': 2.5,
        'tts-1': 7.5,
        'tts-azure': 7.5,
        'jina-reranker-v2': 0.01,
        'omni-moderation-latest': 0,
        'text-embedding-3-small': 0.01,
        'text-embedding-azure': 0.01,
        'gpt-4.1-azure': 1,
        'deepseek-x': 1,
        'gemini-2.5-flash': 1,
        'claude-x': 1,
        'whisper-1': 1,
        'whisper-azure': 1,
        'gpt-4o-transcribe': 1.25,
      },
      CompletionRatio: { 'gpt-image-1': 4, 'gpt-4.1-azure': 4 },
    });
    base = await listen(t);
    openai = new OpenAI({ apiKey: key, baseURL: base, maxRetries: 0 });
  });
  after(async () => {
    await t?.close();
    await up?.close();
  });

  async function lastLog() {
    await settled(t);
    const row = (await logRows(t, 2)).at(-1)!;
    return { ...row, other: JSON.parse(row.other) };
  }

  const sent = (from: number) => {
    const list = up.requests.slice(from);
    for (const r of list) assert.equal(r.refused, undefined, `refused: ${r.refused}`);
    return list;
  };

  it('images: a price per image × n, URLs or base64 as asked', async () => {
    const seen = up.requests.length;
    const r = await openai.images.generate({
      model: 'dall-e-3',
      prompt: 'a sea otter',
      n: 2,
      response_format: 'url',
    });
    assert.equal(r.data!.length, 2);
    assert.match(r.data![0].url!, /^https:/);
    assert.equal(sent(seen)[0].path, '/v1/images/generations');
    const log = await lastLog();
    assert.equal(log.quota, Math.round(0.04 * 500_000 * 2));
    assert.deepEqual([log.other.billed_by, log.other.images], ['image', 2]);
    assert.equal(log.other.converted, false, 'an OpenAI endpoint to an OpenAI channel is not a conversion');
  });

  it('images: gpt-image-1 is billed by the token usage it reports', async () => {
    const r = await openai.images.generate({
      model: 'gpt-image-1',
      prompt: 'a sea otter',
      response_format: 'b64_json',
    });
    assert.ok(r.data![0].b64_json!.startsWith('iVBOR'));
    const log = await lastLog();
    assert.deepEqual([log.prompt_tokens, log.completion_tokens], [50, 4210]);
    assert.equal(log.quota, (50 + 4210 * 4) * 2.5);
    assert.equal(log.other.usage_source, 'upstream');
  });

  it('speech: the audio streamed through byte for byte, billed per input character', async () => {
    const res = await openai.audio.speech.create({
      model: 'tts-1',
      input: 'Hello world, ça va?',
      voice: 'alloy',
    });
    assert.equal(res.headers.get('content-type'), 'audio/mpeg');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(AUDIO));
    const log = await lastLog();
    const chars = [...'Hello world, ça va?'].length;
    assert.equal(log.prompt_tokens, chars);
    assert.equal(log.quota, Math.round(chars * 7.5));
    assert.deepEqual(
      [log.other.billed_by, log.other.characters, log.other.usage_source],
      ['characters', chars, 'characters'],
    );
  });

  it('rerank (Jina / Cohere shape) billed by the usage it reports; moderations free at ratio 0', async () => {
    const res = await fetch(`${base}/rerank`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'jina-reranker-v2',
        query: 'capital of France',
        documents: ['Berlin is the capital of Germany.', 'Paris is the capital of France.'],
        top_n: 2,
      }),
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).results[0].index, 1);
    let log = await lastLog();
    assert.equal(log.prompt_tokens, 38);
    assert.equal(log.quota, 1, 'at least 1 when the ratio is not zero');
    const m = await openai.moderations.create({ input: 'I like otters' });
    assert.equal(m.results[0].flagged, false);
    log = await lastLog();
    assert.equal(log.model_name, 'omni-moderation-latest', "OpenAI's default model when none is named");
    assert.equal(log.quota, 0);
    assert.ok(log.prompt_tokens > 0, 'estimated: moderations report no usage');
  });

  describe('transcriptions and translations: multipart uploads, read to disk, billed by audio seconds', () => {
    const audio = Buffer.alloc(48_000, 3);
    /** the temporary upload folders left, once the calls under way have cleaned up (removal follows the answer) */
    const uploads = async () => {
      for (let i = 0; i < 50; i++) {
        const left = readdirSync(tmpdir()).filter((n) => n.startsWith('tollgate-upload-'));
        if (left.length === 0) return left;
        await new Promise((r) => setTimeout(r, 20));
      }
      return readdirSync(tmpdir()).filter((n) => n.startsWith('tollgate-upload-'));
    };

    it('the file and fields reach the upstream whole; verbose_json duration is billed', async () => {
      const seen = up.requests.length;
      const r = await openai.audio.transcriptions.create({
        file: await toFile(audio, 'speech.mp3', { type: 'audio/mpeg' }),
        model: 'whisper-1',
        response_format: 'verbose_json',
        language: 'en',
      });
      assert.equal(r.text, 'The quick brown fox jumps over the lazy dog.');
      const got = sent(seen)[0];
      assert.equal(got.path, '/v1/audio/transcriptions');
      assert.equal(got.body.model, 'whisper-1');
      assert.equal(got.body.language, 'en');
      assert.ok(got.body.file.bytes.equals(audio), 'the file byte for byte');
      assert.equal(got.body.file.name, 'speech.mp3');
      const log = await lastLog();
      assert.deepEqual(
        [log.other.billed_by, log.other.seconds, log.other.usage_source],
        ['audio_seconds', 9, 'upstream'],
      );
      assert.equal(log.prompt_tokens, 9 * 50);
      assert.equal(log.quota, 450);
      assert.deepEqual(await uploads(), [], 'the temporary file is gone');
    });

    it('text answers pass through; without a duration the size estimates it; token usage is billed as tokens', async () => {
      const text = await openai.audio.transcriptions.create({
        file: await toFile(audio, 'a.mp3'),
        model: 'whisper-1',
        response_format: 'text',
      });
      assert.equal(String(text).trim(), 'The quick brown fox jumps over the lazy dog.');
      let log = await lastLog();
      assert.deepEqual(
        [log.other.seconds, log.other.usage_source],
        [3, 'estimated'],
        '48,000 bytes at 128 kbit/s',
      );
      await openai.audio.transcriptions.create({
        file: await toFile(audio, 'a.mp3'),
        model: 'gpt-4o-transcribe',
      });
      log = await lastLog();
      assert.deepEqual([log.prompt_tokens, log.completion_tokens, log.other.billed_by], [14, 45, 'tokens']);
      assert.equal(log.quota, Math.round((14 + 45) * 1.25));
    });

    it('translations through Azure; an upload too large is 413, one without a file 400, nothing left behind', async () => {
      const seen = up.requests.length;
      const r = await openai.audio.translations.create({
        file: await toFile(audio, 'a.mp3'),
        model: 'whisper-azure',
      });
      assert.equal(r.text, 'The quick brown fox jumps over the lazy dog.');
      assert.equal(sent(seen)[0].path, '/openai/deployments/whisper/audio/translations');
      const form = new FormData();
      form.append('model', 'whisper-1');
      form.append('file', new Blob([Buffer.alloc(26 * 1024 * 1024, 1)]), 'big.mp3');
      const big = await fetch(`${base}/audio/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: form,
      });
      assert.equal(big.status, 413);
      assert.match((await big.json()).error.message, /^file: larger than 25 MB/);
      const empty = new FormData();
      empty.append('model', 'whisper-1');
      const none = await fetch(`${base}/audio/transcriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: empty,
      });
      assert.equal(none.status, 400);
      assert.match((await none.json()).error.message, /^file: required/);
      assert.deepEqual(await uploads(), []);
    });
  });

  describe('Azure OpenAI: deployment URL, api-version, api-key', () => {
    it('chat and a stream: dots dropped from the deployment, usage asked for and read', async () => {
      const seen = up.requests.length;
      const r = await openai.chat.completions.create({
        model: 'gpt-4.1-azure',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.equal(r.choices[0].message.content, 'Hello! How can I help?');
      const s = await openai.chat.completions.create({
        model: 'gpt-4.1-azure',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      });
      let text = '';
      for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
      assert.equal(text, 'Hello! How can I help?');
      const reqs = sent(seen);
      assert.equal(reqs[0].path, '/openai/deployments/gpt-41/chat/completions');
      assert.equal(reqs[0].query, 'api-version=2025-01-01-preview');
      assert.equal(reqs[0].headers['api-key'], KEYS.azure);
      assert.equal(reqs[0].headers.authorization, undefined);
      const log = await lastLog();
      assert.equal(log.is_stream, 1);
      assert.deepEqual([log.prompt_tokens, log.completion_tokens], [1043, 10]);
      assert.equal(log.other.upstream_format, 'azure');
      assert.equal(log.other.converted, false);
    });

    it('embeddings, images and speech', async () => {
      const seen = up.requests.length;
      const e = await openai.embeddings.create({
        model: 'text-embedding-azure',
        input: 'otter',
        encoding_format: 'float',
      });
      assert.equal(e.data[0].embedding.length, 3);
      const i = await openai.images.generate({ model: 'dall-e-azure', prompt: 'otter' });
      assert.equal(i.data!.length, 1);
      const s = await openai.audio.speech.create({ model: 'tts-azure', input: 'otter', voice: 'alloy' });
      assert.ok(Buffer.from(await s.arrayBuffer()).equals(AUDIO));
      assert.deepEqual(
        sent(seen).map((r) => r.path),
        [
          '/openai/deployments/text-embedding-3-small/embeddings',
          '/openai/deployments/dall-e-3/images/generations',
          '/openai/deployments/tts-1/audio/speech',
        ],
      );
      await settled(t);
      // calls settle in their own time (an estimate waits for the tokenizer): found by model
      const speech = (await logRows(t, 2)).filter((l) => l.model_name === 'tts-azure').at(-1)!;
      assert.equal(speech.prompt_tokens, 5);
    });

    it('a bad api_version setting is refused naming the field', async () => {
      const res = await t.call({
        method: 'PUT',
        url: '/api/channel/',
        headers: root.headers,
        payload: { id: ids.azure, settings: { api_version: 'x y' } },
      });
      assert.equal(res.status, 400);
      assert.match(res.body.message, /api_version/);
    });
  });

  it('an OpenAI-compatible family (DeepSeek, 43) gets Responses calls as chat: it has no /v1/responses', async () => {
    const seen = up.requests.length;
    const r = await openai.responses.create({ model: 'deepseek-x', input: 'Hi', store: false });
    assert.equal(r.output_text, 'Hello! How can I help?');
    assert.equal(sent(seen)[0].path, '/v1/chat/completions');
  });

  it('the channel test works for every kind, with the cheapest call of the model', async () => {
    const cases: Array<[string, string, string]> = [
      ['openai', 'text-embedding-3-small', '/v1/embeddings'],
      ['openai', 'dall-e-3', '/v1/models'],
      ['azure', 'gpt-4.1-azure', '/openai/deployments/gpt-41/chat/completions'],
      ['gemini', 'gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['anthropic', 'claude-x', '/v1/messages'],
      ['deepseek', 'deepseek-x', '/v1/chat/completions'],
    ];
    for (const [channel, model, path] of cases) {
      const seen = up.requests.length;
      const res = await t.call({
        method: 'GET',
        url: `/api/channel/test/${ids[channel]}?model=${encodeURIComponent(model)}`,
        headers: root.headers,
      });
      const last = up.requests.slice(seen).at(-1);
      assert.equal(last?.path, path, `${channel} ${model}`);
      if (path !== '/v1/models') {
        assert.equal(res.status, 200, `${channel} ${model}: ${JSON.stringify(res.body)}`);
        assert.equal(last?.refused, undefined);
      }
    }
  });

  it('/api/pricing lists every endpoint by number, and each model on its own', async () => {
    const res = await t.call({ method: 'GET', url: '/api/pricing' });
    const ep = res.body.supported_endpoint;
    assert.deepEqual(ep['7'], { method: 'POST', path: '/v1/images/generations' });
    assert.deepEqual(ep['8'], { method: 'POST', path: '/v1/audio/speech' });
    assert.deepEqual(ep['9'], { method: 'POST', path: '/v1/rerank' });
    assert.deepEqual(ep['10'], { method: 'POST', path: '/v1/moderations' });
    const by = Object.fromEntries(res.body.data.map((m: any) => [m.model_name, m.supported_endpoint_types]));
    assert.deepEqual(by['dall-e-3'], [7]);
    assert.deepEqual(by['tts-1'], [8]);
    assert.deepEqual(by['jina-reranker-v2'], [9]);
    assert.deepEqual(by['omni-moderation-latest'], [10]);
    assert.deepEqual(by['claude-x'], [1, 4, 5, 6]);
  });
});
