import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LogEntry, LogType } from '../src/modules/logs/log-types.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
import { seedChannel, seedToken } from './support/relay-fixtures.ts';

const NOW = Math.floor(Date.now() / 1000);
const H = 3600;

for (const engine of engines()) {
  describe(`logs (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let alice: Actor;
    let bob: Actor;
    let aliceToken: { id: number; key: string };
    let channelId: number;
    const seeded: Array<Required<Pick<LogEntry, 'created_at'>> & LogEntry> = [];

    const get = (url: string, who: Actor = root) => t.call({ method: 'GET', url, headers: who.headers });
    const consume = (r: (typeof seeded)[number]) => r.type === LogType.Consume;
    const sum = (rows: typeof seeded) => rows.reduce((a, r) => a + (r.quota ?? 0), 0);

    before(async () => {
      t = await startTestApp(engine);
      root = await setupRoot(t);
      alice = await createActor(t, root, 'alice');
      bob = await createActor(t, root, 'bob');
      aliceToken = await seedToken(t, { user_id: alice.id, name: 'alice-key' });
      channelId = await seedChannel(t, { name: 'up-1', base_url: 'http://127.0.0.1:9', models: ['gpt-4o'] });
      // 3 days of mixed rows, oldest first; a few in the last minute for rpm/tpm
      const models = ['gpt-4o', 'gpt-4o-mini', 'claude_3', 'text-embedding-3-small'];
      for (let i = 0; i < 240; i++) {
        const who = i % 3 === 0 ? bob : alice;
        const type = i % 10 === 0 ? LogType.Error : i % 17 === 0 ? LogType.TopUp : LogType.Consume;
        seeded.push({
          type,
          user_id: who.id,
          username: who.username,
          created_at: NOW - 3 * 86_400 + i * 1000 + (i % 7),
          content:
            i === 5
              ? 'said "hi", then\nleft'
              : type === LogType.Consume
                ? 'API call succeeded'
                : `event ${i}`,
          token_id: who === alice ? aliceToken.id : 0,
          token_name: who === alice ? 'alice-key' : 'bob-key',
          model_name: models[i % models.length],
          quota: type === LogType.Consume ? 100 + i : 0,
          prompt_tokens: 10 + (i % 5),
          completion_tokens: i % 9,
          channel_id: channelId,
          group: i % 4 === 0 ? 'vip' : 'default',
          request_id: `req-${i}`,
          other: { model_ratio: 1, admin_info: { attempts: [{ channel_id: channelId }] } },
        });
      }
      for (let i = 0; i < 4; i++)
        seeded.push({
          type: LogType.Consume,
          user_id: alice.id,
          username: 'alice',
          created_at: NOW - 5 - i,
          content: 'API call succeeded',
          token_id: aliceToken.id,
          token_name: 'alice-key',
          model_name: 'gpt-4o',
          quota: 7,
          prompt_tokens: 3,
          completion_tokens: 4,
          channel_id: channelId,
          group: 'default',
          request_id: `recent-${i}`,
        });
      for (const e of seeded) t.ctx.logWriter.write(e);
      await t.ctx.logWriter.flush();
    });
    after(() => t.close());

    test('admin list: newest first, total, channel name; pagination edges', async () => {
      const all = await get('/api/log/?page_size=100');
      assert.equal(all.status, 200);
      assert.equal(all.body.data.total, seeded.length);
      assert.equal(all.body.data.total_capped, false);
      const items = all.body.data.items;
      assert.equal(items.length, 100);
      for (let i = 1; i < items.length; i++) {
        const [a, b] = [items[i - 1], items[i]];
        assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id));
      }
      assert.equal(items[0].channel, channelId);
      assert.equal(items[0].channel_name, 'up-1');
      assert.equal(typeof items[0].is_stream, 'boolean');
      assert.equal((await get('/api/log/?page_size=101')).body.data.page_size, 100);
      assert.equal((await get('/api/log/?page_size=0')).body.data.items.length, 20);
      const beyond = await get('/api/log/?p=99');
      assert.deepEqual(beyond.body.data.items, []);
      assert.equal(beyond.body.data.total, seeded.length);
      for (const bad of ['p=abc', 'page_size=1.5', 'type=9', 'start_timestamp=12abc', 'channel=x']) {
        const res = await get(`/api/log/?${bad}`);
        assert.equal(res.status, 400, bad);
        assert.ok(res.body.message.startsWith(bad.split('=')[0]), res.body.message);
      }
    });

    test('cursor paging walks the same rows as p, at any depth', async () => {
      const byPage: number[] = [];
      for (let p = 1; p <= 13; p++)
        byPage.push(...(await get(`/api/log/?p=${p}&page_size=20`)).body.data.items.map((r: any) => r.id));
      const byCursor: number[] = [];
      let cursor = '';
      for (;;) {
        const res = await get(`/api/log/?page_size=20${cursor ? `&cursor=${cursor}` : ''}`);
        byCursor.push(...res.body.data.items.map((r: any) => r.id));
        if (!res.body.data.next_cursor) break;
        cursor = res.body.data.next_cursor;
      }
      assert.deepEqual(byCursor, byPage);
      assert.equal(byCursor.length, seeded.length);
      assert.equal((await get('/api/log/?cursor=abc')).status, 400);
      const oldest = await get('/api/log/?page_size=3&order=asc');
      const expectOldest = [...seeded].sort((a, b) => a.created_at - b.created_at).slice(0, 3);
      assert.deepEqual(
        oldest.body.data.items.map((r: any) => r.request_id),
        expectOldest.map((r) => r.request_id),
      );
      assert.equal(oldest.body.data.next_cursor, null);
      assert.equal((await get('/api/log/?order=up')).status, 400);
    });

    test('filters: each one alone equals the matching seeded rows', async () => {
      const start = NOW - 2 * 86_400;
      const end = NOW - 86_400;
      const cases: Array<[string, (r: (typeof seeded)[number]) => boolean]> = [
        ['type=4', (r) => r.type === 4],
        [
          `start_timestamp=${start}&end_timestamp=${end}`,
          (r) => r.created_at >= start && r.created_at <= end,
        ],
        ['token_name=bob-key', (r) => r.token_name === 'bob-key'],
        ['model_name=gpt-4o', (r) => r.model_name === 'gpt-4o'],
        ['model_name=gpt-4o%25', (r) => r.model_name!.startsWith('gpt-4o')],
        ['model_name=claude_3', (r) => r.model_name === 'claude_3'],
        ['model_name=claude%5F%25', (r) => r.model_name!.startsWith('claude_')],
        ['model_name=gpt_4o', () => false],
        ['group=vip', (r) => r.group === 'vip'],
        ['request_id=req-7', (r) => r.request_id === 'req-7'],
        ['username=bob', (r) => r.user_id === bob.id],
        ['username=nobody', () => false],
        [`channel=${channelId}`, () => true],
        ['channel=999', () => false],
        ['token_name=%27%20OR%201%3D1--', () => false],
        [`model_name=${'x'.repeat(191)}`, () => false],
        ['model_name=%25', () => true],
      ];
      for (const [q, match] of cases) {
        const res = await get(`/api/log/?page_size=100&${q}`);
        assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.data.total, seeded.filter(match).length, q);
      }
      const long = await get(`/api/log/?model_name=${'x'.repeat(192)}`);
      assert.equal(long.status, 400);
    });

    test('self view: only the caller, no channel fields, no admin_info; admin filters ignored', async () => {
      const res = await get('/api/log/self?page_size=100&channel=999&username=bob', alice);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.total, seeded.filter((r) => r.user_id === alice.id).length);
      for (const r of res.body.data.items) {
        assert.equal(r.user_id, alice.id);
        assert.ok(!('channel' in r) && !('channel_id' in r) && !('channel_name' in r));
        assert.ok(!r.other.includes('admin_info'));
      }
      assert.ok(res.body.data.items.some((r: any) => r.other.includes('model_ratio')));
      assert.equal((await get('/api/log/', alice)).status, 403);
    });

    test('stat: quota over the range (partial hours included), rpm and tpm of the last minute', async () => {
      const ranges: Array<[number | undefined, number | undefined]> = [
        [undefined, undefined],
        [NOW - 2 * 86_400 + 1234, NOW - 3 * H - 17],
        [NOW - 50 * H, undefined],
        [undefined, NOW - 40 * H + 1],
        [NOW - 10 * H + 5, NOW - 10 * H + 600],
      ];
      const recent = seeded.filter((r) => consume(r) && r.created_at >= NOW - 60);
      for (const [s, e] of ranges) {
        const inRange = (r: (typeof seeded)[number]) =>
          consume(r) && (s === undefined || r.created_at >= s) && (e === undefined || r.created_at <= e);
        const qs = [
          s !== undefined ? `start_timestamp=${s}` : '',
          e !== undefined ? `end_timestamp=${e}` : '',
        ].join('&');
        const res = await get(`/api/log/stat?${qs}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.data.quota, sum(seeded.filter(inRange)), `range ${s}..${e}`);
        assert.equal(res.body.data.rpm, recent.length);
        assert.equal(
          res.body.data.tpm,
          recent.reduce((a, r) => a + r.prompt_tokens! + r.completion_tokens!, 0),
        );
        const bobs = await get(`/api/log/stat?${qs}&username=bob&model_name=gpt-4o`);
        assert.equal(
          bobs.body.data.quota,
          sum(seeded.filter((r) => inRange(r) && r.user_id === bob.id && r.model_name === 'gpt-4o')),
        );
        const vip = await get(`/api/log/stat?${qs}&group=vip`);
        assert.equal(vip.body.data.quota, sum(seeded.filter((r) => inRange(r) && r.group === 'vip')));
        const mine = await get(`/api/log/self/stat?${qs}&group=vip`, alice);
        assert.equal(
          mine.body.data.quota,
          sum(seeded.filter((r) => inRange(r) && r.user_id === alice.id && r.group === 'vip')),
        );
      }
      const bobRecent = await get('/api/log/self/stat', bob);
      assert.equal(bobRecent.body.data.rpm, 0);
    });

    test('search: type number or substring, bounded, escaped; self search sees only the caller', async () => {
      const byType = await get('/api/log/search?keyword=4');
      assert.equal(byType.status, 200);
      assert.ok(byType.body.data.length > 0);
      assert.ok(
        byType.body.data.every(
          (r: any) => r.type === 4 || /4/.test(r.content + r.model_name + r.token_name + r.username),
        ),
      );
      const sub = await get('/api/log/search?keyword=EMBEDDING');
      assert.equal(
        sub.body.data.length,
        Math.min(100, seeded.filter((r) => r.model_name!.includes('embedding')).length),
      );
      assert.deepEqual((await get('/api/log/search?keyword=%25')).body.data, []);
      assert.deepEqual((await get('/api/log/search?keyword=gpt_4o')).body.data, []);
      const self = await get('/api/log/self/search?keyword=gpt', bob);
      assert.ok(
        self.body.data.length > 0 &&
          self.body.data.every((r: any) => r.user_id === bob.id && !('channel' in r)),
      );
      for (const q of ['', 'keyword=', 'keyword=%20']) {
        const res = await get(`/api/log/search?${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.body.message, 'keyword is required');
      }
    });

    test('token lookup: by ?key= or Authorization, CORS for any origin, user view, unknown → 404', async () => {
      const res = await t.call({
        method: 'GET',
        url: `/api/log/token?key=${aliceToken.key}`,
        headers: { origin: 'https://elsewhere.example' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      const expected = seeded.filter((r) => r.token_id === aliceToken.id).length;
      assert.equal(res.body.data.length, expected);
      assert.ok(res.body.data.every((r: any) => !('channel' in r) && !r.other.includes('admin_info')));
      const viaHeader = await t.call({
        method: 'GET',
        url: '/api/log/token',
        headers: { authorization: `Bearer ${aliceToken.key}` },
      });
      assert.equal(viaHeader.body.data.length, expected);
      const pre = await t.call({
        method: 'OPTIONS',
        url: '/api/log/token',
        headers: { origin: 'https://x.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
      const unknown = await t.call({ method: 'GET', url: '/api/log/token?key=sk-doesnotexist' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.message, 'token not found or no permission');
      assert.equal(unknown.headers['access-control-allow-origin'], '*');
    });

    test('CSV export: header, every filtered row, RFC 4180 quoting, BOM on request, user view', async () => {
      const res = await t.call({ method: 'GET', url: '/api/log/export?bom=1&type=2', headers: root.headers });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /text\/csv/);
      assert.match(String(res.headers['content-disposition']), /attachment; filename=".+\.csv"/);
      assert.ok(res.body.startsWith('\uFEFFid,created_at,time_utc,type,'));
      const lines = res.body.trimEnd().split('\r\n');
      assert.equal(lines.length - 1, seeded.filter(consume).length);
      assert.ok(lines[0].endsWith(',channel,channel_name'));
      const quoted = await t.call({
        method: 'GET',
        url: '/api/log/export?request_id=req-5',
        headers: root.headers,
      });
      assert.ok(quoted.body.includes('"said ""hi"", then\nleft"'), quoted.body);
      const mine = await t.call({ method: 'GET', url: '/api/log/self/export', headers: alice.headers });
      const mineLines = mine.body.trimEnd().split('\r\n');
      assert.ok(!mineLines[0].includes('channel') && !mine.body.includes('admin_info'));
      assert.ok(!mine.body.startsWith('\uFEFF'));
      assert.equal(mineLines.length - 1, seeded.filter((r) => r.user_id === alice.id).length);
    });

    test('LogConsumeEnabled off: no consume log row, the rollup still counts the call', async () => {
      await t.ctx.options.set('LogConsumeEnabled', 'false');
      const hour = Math.floor((NOW - 200 * H) / H) * H;
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: bob.id,
        username: 'bob',
        content: 'x',
        created_at: hour + 10,
        model_name: 'quiet-model',
        quota: 42,
      });
      t.ctx.logWriter.write({
        type: LogType.Error,
        user_id: bob.id,
        username: 'bob',
        content: 'kept',
        created_at: hour + 11,
        model_name: 'quiet-model',
      });
      await t.ctx.logWriter.flush();
      await t.ctx.options.set('LogConsumeEnabled', 'true');
      assert.equal((await get('/api/log/?model_name=quiet-model')).body.data.total, 1);
      const rollup = await t.ctx.dbs.logs.db
        .selectFrom('quota_data')
        .selectAll()
        .where('model_name', '=', 'quiet-model')
        .execute();
      assert.deepEqual(
        rollup.map((r) => [Number(r.count), Number(r.quota), Number(r.created_at)]),
        [[1, 42, hour]],
      );
    });

    test('delete before T: bounded batches, the count, nothing newer touched; T required', async () => {
      const missing = await t.call({ method: 'DELETE', url: '/api/log/', headers: root.headers });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.message, 'target timestamp is required');
      assert.equal(
        (await t.call({ method: 'DELETE', url: '/api/log/?target_timestamp=x', headers: root.headers }))
          .status,
        400,
      );
      const before = (await get('/api/log/?page_size=1')).body.data.total;
      const T = NOW - 2 * 86_400;
      const expected = seeded.filter((r) => r.created_at < T).length + 1; // + the error row of the LogConsumeEnabled test
      const res = await t.call({
        method: 'DELETE',
        url: `/api/log/?target_timestamp=${T}`,
        headers: root.headers,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.data, expected);
      assert.equal((await get('/api/log/?page_size=1')).body.data.total, before - expected);
      assert.equal((await get(`/api/log/?end_timestamp=${T - 1}`)).body.data.total, 0);
      assert.equal(
        (await t.call({ method: 'DELETE', url: `/api/log/?target_timestamp=${T}`, headers: alice.headers }))
          .status,
        403,
      );
    });

    test('retention: RetentionDays deletes older logs in the background job; 0 keeps everything', async () => {
      await t.ctx.options.set('RetentionDays', '0');
      assert.equal(await t.ctx.retention.runOnce(), null);
      await t.ctx.options.set('RetentionDays', '1');
      const expected = seeded.filter(
        (r) => r.created_at >= NOW - 2 * 86_400 && r.created_at < NOW - 86_400 - 5,
      ).length;
      const deleted = await t.ctx.retention.runOnce();
      assert.ok(deleted !== null && Math.abs(deleted - expected) <= 1, `${deleted} vs ${expected}`);
      assert.equal((await get(`/api/log/?end_timestamp=${NOW - 86_400 - 10}`)).body.data.total, 0);
      await t.ctx.options.set('RetentionDays', '0');
    });

    test('awkward text comes back byte for byte through the writer (arrays on PostgreSQL, VALUES elsewhere)', async () => {
      const texts = [
        'said "hi", then\nleft',
        'back\\slash \\" and {braces}, commas',
        'NULL',
        '',
        '{"a":[1,2],"b":"x,y"}',
        'ユーザー 😀 café',
        "it's; DROP TABLE logs;--",
        'x'.repeat(20_000),
      ];
      for (const [i, text] of texts.entries())
        t.ctx.logWriter.write({
          type: LogType.Error,
          user_id: bob.id,
          username: 'bob',
          created_at: NOW - 1,
          content: text,
          token_name: text.slice(0, 60),
          model_name: i % 2 ? 'NULL' : '',
          quota: 2 ** 40 + i,
          request_id: `awkward-${i}`,
          other: { text },
        });
      await t.ctx.logWriter.flush();
      const rows = await t.ctx.dbs.logs.db
        .selectFrom('logs')
        .selectAll()
        .where('request_id', 'like', 'awkward-%')
        .execute();
      assert.equal(rows.length, texts.length);
      for (const r of rows) {
        const i = Number(r.request_id.slice('awkward-'.length));
        assert.equal(r.content, texts[i]);
        assert.equal(r.token_name, texts[i].slice(0, 60));
        assert.equal(r.model_name, i % 2 ? 'NULL' : '');
        assert.equal(Number(r.quota), 2 ** 40 + i);
        assert.deepEqual(JSON.parse(r.other), { text: texts[i] });
      }
    });
  });
}
