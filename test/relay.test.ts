import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Actor, TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
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
  tokenRow,
  userRow,
} from './support/relay-fixtures.ts';

// gpt-4o: ratio 1.25, completion ratio 4, group default 1 → quota = round((p + 4c) × 1.25)
const formula = (p: number, c: number) => Math.max(1, Math.round((p + c * 4) * 1.25));

for (const engine of engines()) {
  describe(`relay happy paths (${engine.name})`, () => {
    let w: RelayWorld;
    let t: TestApp;
    let up: FakeUpstream;
    let user: Actor;
    let base: string;
    let channelId: number;

    before(async () => {
      w = await relayWorld(engine, { username: 'alice', quota: 1_000_000 });
      ({ t, up, user, base } = w);
      await setPricing(t, {
        ModelRatio: { 'gpt-4o': 1.25, 'text-embedding-3-small': 0.01 },
        CompletionRatio: { 'gpt-4o': 4 },
      });
      channelId = await seedChannel(t, {
        base_url: up.url,
        models: ['gpt-4o', 'text-embedding-3-small'],
        key: 'upstream-secret',
      });
    });
    after(() => w.close());

    it('relays a non-stream chat call, bills it by the formula and logs it once', async () => {
      const tok = await seedToken(t, { user_id: user.id, remain_quota: 100_000, unlimited_quota: false });
      const before = await userRow(t, user.id);
      const res = await client(base, tok.key).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.choices[0].message.content, 'Hello from the fake upstream');
      assert.deepEqual(res.usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
      const sent = up.requests.at(-1)!;
      assert.equal(sent.headers.authorization, 'Bearer upstream-secret');
      assert.equal(sent.body.model, 'gpt-4o');
      await settled(t);
      const logs = (await logRows(t, 2)).filter((l) => l.token_id === tok.id);
      assert.equal(logs.length, 1);
      const log = logs[0];
      assert.equal(log.prompt_tokens, 12);
      assert.equal(log.completion_tokens, 5);
      assert.equal(log.quota, formula(12, 5));
      assert.equal(log.channel_id, channelId);
      assert.equal(log.model_name, 'gpt-4o');
      assert.equal(log.is_stream, 0);
      assert.equal(log.username, 'alice');
      assert.equal(log.group, 'default');
      assert.equal(log.request_id.length > 0, true);
      const other = JSON.parse(log.other);
      assert.equal(other.usage_source, 'upstream');
      assert.equal(other.model_ratio, 1.25);
      assert.equal(other.completion_ratio, 4);
      assert.equal(other.group_ratio, 1);
      assert.equal(other.model_price, -1);
      assert.equal(other.request_path, '/v1/chat/completions');
      assert.equal(typeof other.frt, 'number');
      assert.deepEqual(other.admin_info.use_channel, [String(channelId)]);
      const after = await userRow(t, user.id);
      assert.equal(before.quota - after.quota, log.quota);
      assert.equal(after.used_quota - before.used_quota, log.quota);
      assert.equal(after.request_count - before.request_count, 1);
      const token = await tokenRow(t, tok.id);
      assert.equal(token.remain_quota, 100_000 - log.quota);
      assert.equal(token.used_quota, log.quota);
      assert.ok(token.accessed_time > 0);
      const channel = await t.ctx.dbs.main.db
        .selectFrom('channels')
        .select('used_quota')
        .where('id', '=', channelId)
        .executeTakeFirstOrThrow();
      assert.ok(channel.used_quota >= log.quota);
      assert.ok(!JSON.stringify(log).includes('upstream-secret'));
    });

    it('streams chunks, asks the upstream for usage, strips the usage chunk the client did not ask for', async () => {
      const tok = await seedToken(t, { user_id: user.id });
      const before = await userRow(t, user.id);
      const { data: stream, response } = await client(base, tok.key)
        .chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        })
        .withResponse();
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.ok(response.headers.get('x-request-id'), 'X-Request-Id on streams');
      let text = '';
      let sawUsage = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) sawUsage = true;
      }
      assert.equal(text, 'Hello from the fake upstream');
      assert.equal(sawUsage, false);
      assert.equal(up.requests.at(-1)!.body.stream_options.include_usage, true);
      await settled(t);
      const log = (await logRows(t, 2)).filter((l) => l.token_id === tok.id);
      assert.equal(log.length, 1);
      assert.equal(log[0].is_stream, 1);
      assert.equal(log[0].request_id, response.headers.get('x-request-id'));
      assert.equal(log[0].quota, formula(12, 5));
      assert.equal(JSON.parse(log[0].other).usage_source, 'upstream');
      const after = await userRow(t, user.id);
      assert.equal(before.quota - after.quota, log[0].quota);
      assert.equal((await tokenRow(t, tok.id)).used_quota, log[0].quota);
    });

    it('passes the usage chunk when the client asks for it', async () => {
      const tok = await seedToken(t, { user_id: user.id });
      const stream = await client(base, tok.key).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: unknown;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      assert.deepEqual(usage, { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    });

    it('relays completions and embeddings, and lists the models of the group', async () => {
      const tok = await seedToken(t, { user_id: user.id });
      const c = client(base, tok.key);
      const comp = await c.completions.create({ model: 'gpt-4o', prompt: 'say hi' });
      assert.equal(comp.choices[0].text, 'Hello from the fake upstream');
      const emb = await c.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
      assert.equal(emb.data.length, 2);
      const models = await c.models.list();
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['gpt-4o', 'text-embedding-3-small'],
      );
      await settled(t);
      const logs = (await logRows(t, 2)).filter((l) => l.token_id === tok.id);
      assert.deepEqual(
        logs.map((l) => JSON.parse(l.other).request_path),
        ['/v1/completions', '/v1/embeddings'],
      );
      // embeddings: 12 prompt tokens × 0.01 = 0.12 → at least 1
      assert.equal(logs[1].quota, 1);
      assert.equal(logs[1].completion_tokens, 0);
    });
  });
}
