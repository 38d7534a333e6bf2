/**
 * Issue 18: a relay call's request log line names the call (request id, user, token id, model, the channel
 * that answered, status, time) and never a secret (the token key, the channel key).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import { client, listen, seedChannel, seedToken, setPricing } from './support/relay-fixtures.ts';

describe('structured request logs on /v1 (sqlite)', () => {
  let t: TestApp;
  let up: FakeUpstream;
  const lines: any[] = [];
  /** the first test's key and address, for the next */
  let shared: { key: string; base: string } | undefined;

  before(async () => {
    t = await startTestApp(
      { name: 'sqlite' },
      { LOG_LEVEL: 'info' },
      {},
      {
        logStream: { write: (line: string) => lines.push(JSON.parse(line)) },
      },
    );
    up = await startFakeUpstream();
  });
  after(async () => {
    await t.close();
    await up.close();
  });

  it('the "request completed" line carries user, token id, model, channel, status and time; no key anywhere', async () => {
    const root = await setupRoot(t);
    const user = await createActor(t, root, 'logged', { quota: 10_000_000 });
    await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 1 } });
    const channel = await seedChannel(t, {
      base_url: up.url,
      models: ['gpt-4o-mini'],
      key: 'channel-secret-key-123',
    });
    const tok = await seedToken(t, { user_id: user.id });
    const base = await listen(t);
    shared = { key: tok.key, base };
    const res = await client(base, tok.key)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const requestId = res.response.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 50));
    const done = lines.find((l) => l.reqId === requestId && l.msg === 'request completed');
    assert.ok(done, 'a completion line for the call');
    assert.equal(done.user_id, user.id);
    assert.equal(done.token_id, tok.id);
    assert.equal(done.model, 'gpt-4o-mini');
    assert.equal(done.channel, channel);
    assert.equal(done.res.statusCode, 200);
    assert.equal(typeof done.responseTime, 'number');
    // one line per request, at its end, saying what was asked and from where
    assert.deepEqual(
      lines.filter((l) => l.reqId === requestId).map((l) => l.msg),
      ['request completed'],
    );
    assert.equal(done.req.method, 'POST');
    assert.equal(done.req.url, '/v1/chat/completions');
    assert.equal(done.req.remoteAddress, '127.0.0.1');
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(tok.key.replace(/^sk-/, '')), 'no token key in the log');
    assert.ok(!all.includes('channel-secret-key-123'), 'no channel key in the log');
  });

  it('a call whose client leaves before the answer ends gets its line too: "request aborted"', async () => {
    assert.ok(shared, 'the first test set up the key');
    up.setBehavior({ chunkDelayMs: 200 });
    const ac = new AbortController();
    const res = await fetch(`${shared.base}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shared.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
      signal: ac.signal,
    });
    const requestId = res.headers.get('x-request-id');
    const reader = res.body!.getReader();
    await reader.read(); // the first chunk came: the stream is under way
    ac.abort();
    const deadline = Date.now() + 5000;
    const aborted = () => lines.find((l) => l.reqId === requestId && l.msg === 'request aborted');
    while (!aborted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = aborted();
    up.setBehavior({});
    assert.ok(line, 'an aborted line for the call');
    assert.equal(line.req.url, '/v1/chat/completions');
    assert.equal(line.req.method, 'POST');
    assert.equal(line.model, 'gpt-4o-mini');
    assert.equal(typeof line.responseTime, 'number');
    assert.ok(!lines.some((l) => l.reqId === requestId && l.msg === 'request completed'));
  });
});
