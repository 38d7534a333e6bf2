/**
 * CONTRACT §10: quota is never spent beyond what a user has. Reservations cover the completion
 * (`max_tokens`, else DefaultCompletionReserve), streams are cut when they pass what is left, and a
 * non-stream overrun leaves the user below zero by that overrun only. Logs reconcile with the quota
 * taken to the unit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countPrompt, TokenCounter } from '../src/relay/tokenizer.ts';
import { type Actor, createActor, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
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

const messages = [{ role: 'user' as const, content: 'hi' }];

/** quota taken from the user equals the quota of its consume logs, to the unit */
async function reconcile(t: TestApp, userId: number, startQuota: number) {
  const row = await userRow(t, userId);
  const logs = (await logRows(t, 2)).filter((l) => l.user_id === userId);
  const logged = logs.reduce((s, l) => s + l.quota, 0);
  assert.equal(startQuota - row.quota, logged, 'quota taken = quota logged');
  assert.equal(row.used_quota, logged, 'used_quota = quota logged');
  return { row, logs };
}

for (const engine of engines()) {
  describe(`relay: no spending past the quota (${engine.name})`, () => {
    let w: RelayWorld;
    let t: TestApp;
    let root: Actor;
    let base: string;

    before(async () => {
      w = await relayWorld(engine, { username: 'first', quota: 0, upstream: { record: false } });
      ({ t, root, base } = w);
      // ratio 1, completion ratio 1: a call costs prompt + completion tokens in quota
      await setPricing(t, { ModelRatio: { 'r-model': 1 }, CompletionRatio: { 'r-model': 1 } });
      await seedChannel(t, { base_url: w.up.url, models: ['r-model'] });
    });
    after(() => w.close());

    it('50 concurrent calls without max_tokens cannot pass a quota worth 5 calls', async () => {
      // the issue's attack: each answer costs 12 + 1,000 = 1,012; the user has 5 calls' worth
      w.up.setBehavior({ usage: { prompt_tokens: 12, completion_tokens: 1000 } });
      const user = await createActor(t, root, 'fifty', { quota: 5 * 1012 });
      const tok = await seedToken(t, { user_id: user.id });
      const c = client(base, tok.key);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => c.chat.completions.create({ model: 'r-model', messages })),
      );
      await settled(t);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected');
      assert.ok(ok >= 1, 'a call that fits goes through');
      for (const r of refused) assert.equal((r.reason as { status: number }).status, 403);
      const { row, logs } = await reconcile(t, user.id, 5 * 1012);
      assert.ok(row.quota >= 0, `quota ${row.quota} went below zero`);
      assert.equal(logs.length, ok);
      w.up.setBehavior({});
    });

    it('the reservation covers max_tokens, and DefaultCompletionReserve when there is none', async () => {
      const user = await createActor(t, root, 'reserve', { quota: 1000 });
      const tok = await seedToken(t, { user_id: user.id });
      const c = client(base, tok.key);
      // max_tokens 2,000 cannot be covered by 1,000 quota: refused before the upstream is asked
      await assert.rejects(
        c.chat.completions.create({ model: 'r-model', messages, max_tokens: 2000 }),
        (e: { status: number }) => e.status === 403,
      );
      // without max_tokens the default reserve (4,096) does not fit either; lowered, it does
      await assert.rejects(
        c.chat.completions.create({ model: 'r-model', messages }),
        (e: { status: number }) => e.status === 403,
      );
      await t.ctx.options.set('DefaultCompletionReserve', '100');
      try {
        await c.chat.completions.create({ model: 'r-model', messages });
        await c.chat.completions.create({ model: 'r-model', messages, max_tokens: 500 });
      } finally {
        await t.ctx.options.set('DefaultCompletionReserve', '4096');
      }
      await settled(t);
      await reconcile(t, user.id, 1000);
    });

    it('a non-stream overrun is billed in full; the user is then refused until topped up', async () => {
      // the upstream ignores max_tokens: 10 asked, 500 produced
      w.up.setBehavior({ usage: { prompt_tokens: 12, completion_tokens: 500 } });
      const user = await createActor(t, root, 'overrun', { quota: 100 });
      const tok = await seedToken(t, { user_id: user.id });
      const c = client(base, tok.key);
      await c.chat.completions.create({ model: 'r-model', messages, max_tokens: 10 });
      await settled(t);
      const { row } = await reconcile(t, user.id, 100);
      assert.equal(row.quota, 100 - 512, 'below zero by the overrun only');
      await assert.rejects(
        c.chat.completions.create({ model: 'r-model', messages, max_tokens: 1 }),
        (e: { status: number }) => e.status === 403,
      );
      w.up.setBehavior({});
    });

    it('concurrent streams past what is left are ended with finish_reason "length" and billed for what they sent', async () => {
      // 400 one-token words per stream; the user has 600 quota; each call reserves only 50 completion
      // tokens. The upstream reports the prompt as Tollgate counts it, so only the stream's own overrun shows.
      const counter = new TokenCounter();
      const prompt = await countPrompt(counter, 'chat', { messages }, 'r-model');
      await counter.close();
      w.up.setBehavior({
        words: Array.from({ length: 400 }, () => ' word'),
        usage: { prompt_tokens: prompt, completion_tokens: 400 },
        chunkDelayMs: 1,
      });
      await t.ctx.options.set('DefaultCompletionReserve', '50');
      const user = await createActor(t, root, 'streams', { quota: 600 });
      const tok = await seedToken(t, { user_id: user.id });
      const c = client(base, tok.key);
      const finishes: string[] = [];
      const received: number[] = [];
      try {
        await Promise.allSettled(
          Array.from({ length: 6 }, async () => {
            const stream = await c.chat.completions.create({ model: 'r-model', messages, stream: true });
            let finish = '';
            let words = 0;
            for await (const chunk of stream) {
              finish = chunk.choices[0]?.finish_reason ?? finish;
              if (chunk.choices[0]?.delta?.content) words += 1;
            }
            finishes.push(finish);
            if (finish === 'length') received.push(words);
          }),
        );
      } finally {
        await t.ctx.options.set('DefaultCompletionReserve', '4096');
        w.up.setBehavior({});
      }
      await settled(t);
      const { row, logs } = await reconcile(t, user.id, 600);
      assert.ok(finishes.includes('length'), `some stream was cut: ${finishes.join(',')}`);
      const cut = logs.filter((l) => JSON.parse(l.other).stream_cut === 'quota');
      assert.ok(cut.length >= 1);
      // a cut stream is billed for what its client received (one token per word here)
      assert.deepEqual(
        cut.map((l) => l.completion_tokens).sort((a, b) => a - b),
        received.sort((a, b) => a - b),
      );
      // the upstream read that would pass what is left is neither sent nor billed: never below zero
      // (without the cut each stream would take 400 tokens, the six of them 2,400 on a 600 quota)
      assert.ok(row.quota >= 0, `quota ${row.quota} went below zero`);
    });
  });
}
