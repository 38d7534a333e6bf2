/**
 * CONTRACT §10: no request holds the event loop. Each attack of issue 12 is played against the whole app
 * (SQLite: its reads are synchronous, the worst case) while the loop's delay is measured in-process.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { toRow } from '../src/modules/logs/log-writer.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';
import { listen, seedChannel, seedToken, setPricing } from './support/relay-fixtures.ts';

const ROWS = 60_000;

/** Runs `work` and returns the longest time the event loop was held meanwhile (ms). */
async function loopHeld(work: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
  }
  return h.max / 1e6;
}

describe('no request holds the event loop (sqlite)', () => {
  let t: TestApp;
  let up: FakeUpstream;
  let attacker: Actor;
  let key: string;
  let base: string;

  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    up = await startFakeUpstream({ record: false });
    const root = await setupRoot(t);
    attacker = await createActor(t, root, 'attacker', { quota: 0 });
    await seedChannel(t, { base_url: up.url, models: ['gpt-4o-mini'] });
    await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 0.075 } });
    key = (await seedToken(t, { user_id: attacker.id })).key;
    base = await listen(t);
    const d = t.ctx.dbs.logs;
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < ROWS; i += 1000) {
      const rows = Array.from({ length: 1000 }, (_, j) =>
        toRow(
          {
            type: 2,
            user_id: attacker.id,
            username: 'attacker',
            content: 'API call succeeded',
            model_name: 'gpt-4o-mini',
            quota: 10,
            request_id: randomBytes(6).toString('hex'),
          },
          now - ROWS + i + j,
        ),
      );
      await d.dialect.insertRows(d.db, 'logs', Object.keys(rows[0]), rows);
    }
  });
  after(async () => {
    await t.close();
    await up.close();
  });

  it('a 64 KB one-word prompt and 16,000 spaces from a zero-quota user (was 19 s for the spaces)', async () => {
    const send = (content: string) =>
      fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
      }).then((r) => r.status);
    await send('warm the tokenizer up');
    const statuses: number[] = [];
    const held = await loopHeld(async () => {
      statuses.push(await send('a'.repeat(65_536)), await send(' '.repeat(16_000)));
    });
    assert.deepEqual(statuses, [403, 403], 'refused for quota after counting');
    assert.ok(held < 200, `event loop held ${held.toFixed(0)} ms`);
  });

  it('tens of thousands of tool calls in a Gemini or Responses body convert in linear time (a copy per call: 56 s for 80k, 3.5 s for 20k)', async () => {
    const origin = base.replace(/\/v1$/, '');
    const parts = Array.from({ length: 10_000 }, () => ({
      functionCall: { name: 'f', args: {} },
    }));
    const gemini = JSON.stringify({
      contents: [
        { role: 'user', parts: [{ text: 'hi' }] },
        { role: 'model', parts },
      ],
    });
    const items = Array.from({ length: 20_000 }, (_, i) => ({
      type: 'function_call',
      call_id: `c${i}`,
      name: 'f',
      arguments: '',
    }));
    const responses = JSON.stringify({ model: 'gpt-4o-mini', input: items, store: false });
    const statuses: number[] = [];
    const held = await loopHeld(async () => {
      const g = await fetch(`${origin}/v1beta/models/gpt-4o-mini:countTokens`, {
        method: 'POST',
        headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
        body: gemini,
      });
      statuses.push(g.status);
      await g.arrayBuffer();
      const r = await fetch(`${base}/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: responses,
      });
      statuses.push(r.status);
      await r.arrayBuffer();
    });
    assert.deepEqual(statuses, [200, 403], 'counted; refused for quota after conversion and counting');
    assert.ok(held < 400, `event loop held ${held.toFixed(0)} ms`);
  });

  it('16 MB of tiny JSON objects is refused with 413 before it is parsed (was ~300 ms of parse)', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: Array.from({ length: 1_000_000 }, () => ({ type: 'text' })) }],
    });
    let status = 0;
    let answer: any;
    const held = await loopHeld(async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: body,
      });
      status = res.statusCode;
      answer = res.json();
    });
    assert.equal(status, 413);
    assert.match(answer.error.message, /more than 100000 JSON objects/);
    assert.ok(held < 100, `event loop held ${held.toFixed(0)} ms`);
  });

  it(`a CSV export of ${ROWS} rows yields between pages (was up to 16 pages at a time)`, async () => {
    let bytes = 0;
    const exportOnce = () =>
      loopHeld(async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: '/api/log/self/export',
          headers: attacker.headers,
        });
        assert.equal(res.statusCode, 200);
        bytes = res.body.length;
      });
    // twice, the smaller longest hold counts: pages run together stall every export, while one pause of a
    // loaded machine (GC, the scheduler: CI runs two test files and a browser on two cores) hits one run
    const held = Math.min(await exportOnce(), await exportOnce());
    assert.ok(bytes > ROWS * 50, 'every row was exported');
    assert.ok(held < 100, `event loop held ${held.toFixed(0)} ms`);
  });

  it('a second export by the same user while one runs is refused with 429', async () => {
    const first = t.app.inject({ method: 'GET', url: '/api/log/self/export', headers: attacker.headers });
    // the first request is routed (and holds its slot) before the second arrives
    await new Promise((r) => setImmediate(r));
    const second = await t.call({ method: 'GET', url: '/api/log/self/export', headers: attacker.headers });
    assert.equal(second.status, 429);
    assert.match(second.body.message, /export/);
    assert.equal((await first).statusCode, 200);
    const third = await t.call({
      method: 'GET',
      url: '/api/log/self/export?type=1',
      headers: attacker.headers,
    });
    assert.equal(third.status, 200, 'the slot is free again once the export ended');
  });

  it('a deep numbered page is refused naming p; the cursor reaches any depth', async () => {
    const deep = await t.call({
      method: 'GET',
      url: '/api/log/self?p=5000&page_size=10',
      headers: attacker.headers,
    });
    assert.equal(deep.status, 400);
    assert.match(deep.body.message, /^p /);
    let cursor = '';
    let walked = 0;
    const held = await loopHeld(async () => {
      for (let i = 0; i < 5; i++) {
        const page = await t.call({
          method: 'GET',
          url: `/api/log/self?page_size=100${cursor ? `&cursor=${cursor}` : ''}`,
          headers: attacker.headers,
        });
        walked += page.body.data.items.length;
        cursor = page.body.data.next_cursor;
      }
    });
    assert.equal(walked, 500);
    assert.ok(held < 100, `event loop held ${held.toFixed(0)} ms`);
  });
});
