import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
import { type FakeUpstream, startFakeUpstream } from './support/fake-upstream.ts';

const KEY = 'sk-upstream-very-secret-0042';

for (const engine of engines()) {
  describe(`channels (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;
    let admin: Actor;
    let user: Actor;
    let up: FakeUpstream;

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, who = admin) =>
      t.call({ method, url, headers: who.headers, payload });
    const abilities = (id: number) =>
      t.ctx.dbs.main.db
        .selectFrom('abilities')
        .select(['group', 'model', 'enabled', 'priority', 'weight'])
        .where('channel_id', '=', id)
        .orderBy('group')
        .orderBy('model')
        .execute();

    before(async () => {
      up = await startFakeUpstream();
      t = await startTestApp(engine);
      root = await setupRoot(t);
      admin = await createActor(t, root, 'admin1', { role: 10 });
      user = await createActor(t, root, 'plain');
    });
    after(async () => {
      await t.close();
      await up.close();
    });

    test('create stores the key encrypted and keeps the serving table in step; no answer carries the key', async () => {
      const res = await call('POST', '/api/channel/', {
        name: 'main',
        type: 1,
        key: KEY,
        base_url: `${up.url}/`,
        models: 'gpt-4o, gpt-4o-mini',
        group: 'default,vip',
        model_mapping: '{"gpt-4o": "gpt-4o-2024-11-20"}',
        priority: 5,
        weight: 3,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const ch = res.body.data;
      assert.equal(ch.base_url, up.url, 'trailing slash dropped');
      assert.equal(ch.models, 'gpt-4o,gpt-4o-mini');
      assert.ok(!('key' in ch));
      const stored = await t.ctx.dbs.main.db
        .selectFrom('channels')
        .select('key')
        .where('id', '=', ch.id)
        .executeTakeFirstOrThrow();
      assert.ok(stored.key.startsWith('enc:v1:') && !stored.key.includes('very-secret'), 'encrypted at rest');
      assert.deepEqual(await abilities(ch.id), [
        { group: 'default', model: 'gpt-4o', enabled: 1, priority: 5, weight: 3 },
        { group: 'default', model: 'gpt-4o-mini', enabled: 1, priority: 5, weight: 3 },
        { group: 'vip', model: 'gpt-4o', enabled: 1, priority: 5, weight: 3 },
        { group: 'vip', model: 'gpt-4o-mini', enabled: 1, priority: 5, weight: 3 },
      ]);
      for (const url of ['/api/channel/', `/api/channel/${ch.id}`, '/api/channel/?keyword=main']) {
        const body = JSON.stringify((await call('GET', url)).body);
        assert.ok(!body.includes('very-secret') && !body.includes('enc:v1') && !body.includes('"key"'), url);
      }
      const routed = await t.ctx.channels.routeCandidates('vip', 'gpt-4o');
      assert.equal(routed[0].key, KEY, 'the relay gets the key decrypted');
    });

    test('update: an empty key keeps the stored one; models/groups/status rewrite the serving table', async () => {
      const id = (
        await call('POST', '/api/channel/', {
          name: 'upd',
          key: 'k-1234567890',
          base_url: up.url,
          models: 'a,b',
        })
      ).body.data.id;
      const res = await call('PUT', '/api/channel/', {
        id,
        key: '',
        models: 'b,c',
        group: 'vip',
        priority: 2,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.name, 'upd');
      assert.deepEqual(
        (await abilities(id)).map((a) => `${a.group}/${a.model}/${a.enabled}/${a.priority}`),
        ['vip/b/1/2', 'vip/c/1/2'],
      );
      assert.equal((await t.ctx.channels.routeCandidates('vip', 'b'))[0].key, 'k-1234567890');
      await call('PUT', '/api/channel/', { id, status: 2 });
      assert.ok((await abilities(id)).every((a) => a.enabled === 0));
      assert.deepEqual(await t.ctx.channels.routeCandidates('vip', 'b'), []);
      await call('PUT', '/api/channel/', { id, status: 1, key: 'k-new-0987654321' });
      assert.equal((await t.ctx.channels.routeCandidates('vip', 'b'))[0].key, 'k-new-0987654321');
      const del = await call('DELETE', `/api/channel/${id}`);
      assert.equal(del.status, 200);
      assert.deepEqual(await abilities(id), []);
      assert.equal((await call('GET', `/api/channel/${id}`)).status, 404);
      assert.equal((await call('DELETE', `/api/channel/${id}`)).status, 404);
    });

    test('list filters: status, type, group, model, keyword; paged newest first', async () => {
      const mk = (name: string, extra: object) =>
        call('POST', '/api/channel/', {
          name,
          key: 'k-0000000000',
          base_url: up.url,
          models: 'm1',
          ...extra,
        });
      await mk('flt-anthropic', { type: 14, models: 'claude-x', group: 'team' });
      await mk('flt-off', { status: 2, models: 'm1,m2' });
      await mk('flt_under', { tag: 'blue' });
      const ids = async (q: string) =>
        (await call('GET', `/api/channel/?page_size=100&${q}`)).body.data.items
          .map((c: any) => c.name)
          .sort();
      assert.deepEqual(await ids('type=14'), ['flt-anthropic']);
      assert.deepEqual(await ids('group=team'), ['flt-anthropic']);
      assert.deepEqual(await ids('model=m2'), ['flt-off']);
      assert.deepEqual(await ids('status=2'), ['flt-off']);
      assert.deepEqual(await ids('keyword=flt_'), ['flt_under'], '_ is literal');
      assert.deepEqual(await ids('keyword=BLUE'), ['flt_under'], 'tag, case-insensitive');
      const page = await call('GET', '/api/channel/?p=1&page_size=2');
      assert.equal(page.body.data.items.length, 2);
      assert.ok(page.body.data.total >= 4);
      assert.ok(page.body.data.items[0].id > page.body.data.items[1].id);
      assert.equal((await call('GET', '/api/channel/?status=x')).status, 400);
    });

    test('bad input → 400 naming the field, nothing stored', async () => {
      const before = (await call('GET', '/api/channel/')).body.data.total;
      const base = { name: 'bad', key: 'k-0000000000', base_url: up.url, models: 'm' };
      const cases: Array<[object, string]> = [
        [{ model_mapping: '{not json' }, 'model_mapping'],
        [{ model_mapping: '["a"]' }, 'model_mapping'],
        [{ model_mapping: '{"a": 1}' }, 'model_mapping'],
        [{ status: 9 }, 'status'],
        [{ weight: -1 }, 'weight'],
        [{ base_url: 'ftp://x' }, 'base_url'],
        [{ models: ' , ' }, 'models'],
        [{ key: '' }, 'key'],
        [{ name: '' }, 'name'],
        [{ type: 'openai' }, 'type'],
      ];
      for (const [patch, field] of cases) {
        const res = await call('POST', '/api/channel/', { ...base, ...patch });
        assert.equal(res.status, 400, `${JSON.stringify(patch)} → ${res.status}`);
        assert.ok(res.body.message.startsWith(field), `${JSON.stringify(patch)}: ${res.body.message}`);
      }
      const id = (await call('POST', '/api/channel/', base)).body.data.id;
      const bad = await call('PUT', '/api/channel/', { id, model_mapping: '{', name: 'changed' });
      assert.equal(bad.status, 400);
      assert.equal((await call('GET', `/api/channel/${id}`)).body.data.name, 'bad', 'nothing changed');
      assert.equal((await call('GET', '/api/channel/')).body.data.total, before + 1);
    });

    test('test endpoint: a real tiny request; records latency; re-enables an auto-disabled channel', async () => {
      const id = (
        await call('POST', '/api/channel/', { name: 'probe', key: KEY, base_url: up.url, models: 'gpt-x' })
      ).body.data.id;
      await t.ctx.channels.setStatus(id, 3);
      up.requests.length = 0;
      const res = await call('GET', `/api/channel/test/${id}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(typeof res.body.data.time, 'number');
      const sent = up.requests.at(-1)!;
      assert.equal(sent.path, '/v1/chat/completions');
      assert.equal(sent.body.model, 'gpt-x');
      assert.equal(sent.body.max_tokens, 1);
      assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
      const ch = (await call('GET', `/api/channel/${id}`)).body.data;
      assert.equal(ch.status, 1, 're-enabled');
      assert.ok(ch.test_time > 0);
      assert.deepEqual(
        (await abilities(id)).map((a) => a.enabled),
        [1],
      );

      up.setBehavior({ status: 401 });
      const failed = await call('GET', `/api/channel/test/${id}`);
      up.setBehavior({});
      assert.equal(failed.status, 502);
      assert.match(failed.body.message, /status 401/);
      assert.ok(!failed.body.message.includes('very-secret'));
      assert.equal((await call('GET', '/api/channel/test/999999')).status, 404);
    });

    test('batch enable/disable and delete: one request each, serving rows following, bad ids named', async () => {
      const ids: number[] = [];
      for (const name of ['b1', 'b2', 'b3']) {
        const r = await call('POST', '/api/channel/', {
          name,
          key: 'k-0123456789',
          base_url: up.url,
          models: 'batch-model',
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        ids.push(r.body.data.id);
      }
      const off = await call('PUT', '/api/channel/batch/status', { ids: [ids[0], ids[1]], status: 2 });
      assert.equal(off.status, 200);
      assert.equal(off.body.data, 2);
      for (const id of ids.slice(0, 2))
        assert.deepEqual(
          (await abilities(id)).map((a) => a.enabled),
          [0],
        );
      assert.deepEqual(
        (await abilities(ids[2])).map((a) => a.enabled),
        [1],
      );
      assert.deepEqual(
        (await t.ctx.channels.routeCandidates('default', 'batch-model')).map((c) => c.id),
        [ids[2]],
        'routing skips the disabled ones',
      );
      const on = await call('PUT', '/api/channel/batch/status', { ids: [ids[0]], status: 1 });
      assert.equal(on.body.data, 1);
      const gone = await call('POST', '/api/channel/batch', { ids: [ids[1], ids[2], 999_999] });
      assert.equal(gone.status, 200);
      assert.equal(gone.body.data, 2);
      assert.deepEqual(await abilities(ids[1]), []);
      const left = await call('GET', '/api/channel/?keyword=b&page_size=50');
      assert.deepEqual(
        left.body.data.items
          .filter((c: { name: string }) => /^b\d$/.test(c.name))
          .map((c: { id: number }) => c.id),
        [ids[0]],
      );
      for (const [url, body, field] of [
        ['/api/channel/batch', { ids: [] }, 'ids'],
        ['/api/channel/batch', { ids: ['x'] }, 'ids.0'],
        ['/api/channel/batch/status', { ids: [ids[0]], status: 3 }, 'status'],
      ] as const) {
        const r = await call(url.endsWith('status') ? 'PUT' : 'POST', url, body);
        assert.equal(r.status, 400, url);
        assert.match(r.body.message, new RegExp(`^${field.replace('.', '\\.')}`));
      }
      assert.equal((await call('POST', '/api/channel/batch', { ids: [ids[0]] }, user)).status, 403);
    });

    test("tags: tag a batch, list by tag, enable/disable/edit every channel with the tag (New API's routes)", async () => {
      const ids: number[] = [];
      for (const name of ['t1', 't2', 't3']) {
        const r = await call('POST', '/api/channel/', {
          name,
          key: 'k-0123456789',
          base_url: up.url,
          models: 'tag-a',
        });
        ids.push(r.body.data.id);
      }
      const tagged = await call('POST', '/api/channel/batch/tag', { ids: [ids[0], ids[1]], tag: 'pool-x' });
      assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
      assert.equal(tagged.body.data, 2);
      const byTag = await call('GET', '/api/channel/?tag=pool-x&page_size=50');
      assert.deepEqual(
        byTag.body.data.items.map((c: { id: number }) => c.id).sort(),
        [ids[0], ids[1]].sort(),
      );

      const off = await call('POST', '/api/channel/tag/disabled', { tag: 'pool-x' });
      assert.equal(off.body.data, 2);
      assert.deepEqual(
        (await t.ctx.channels.routeCandidates('default', 'tag-a')).map((c) => c.id),
        [ids[2]],
        'routing skips the tag',
      );
      assert.equal((await call('POST', '/api/channel/tag/enabled', { tag: 'pool-x' })).body.data, 2);

      // New API's tag editor: comma lists, null or '' for "keep"
      const edit = await call('PUT', '/api/channel/tag', {
        tag: 'pool-x',
        new_tag: 'pool-y',
        models: 'tag-b, tag-c',
        groups: 'default,vip',
        priority: 7,
        weight: null,
        model_mapping: null,
      });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      assert.equal(edit.body.data, 2);
      for (const id of [ids[0], ids[1]]) {
        const c = (await call('GET', `/api/channel/${id}`)).body.data;
        assert.deepEqual([c.tag, c.models, c.group, c.priority], ['pool-y', 'tag-b,tag-c', 'default,vip', 7]);
        assert.equal((await abilities(id)).length, 4, 'serving rows rewritten: 2 models × 2 groups');
      }
      assert.equal((await call('GET', '/api/channel/tag/models?tag=pool-y')).body.data, 'tag-b,tag-c');
      assert.equal(
        (await call('GET', `/api/channel/${ids[2]}`)).body.data.models,
        'tag-a',
        'untagged untouched',
      );

      // untag with null (New API sends it)
      assert.equal((await call('POST', '/api/channel/batch/tag', { ids: [ids[0]], tag: null })).body.data, 1);
      assert.equal((await call('GET', `/api/channel/${ids[0]}`)).body.data.tag, '');

      assert.equal((await call('POST', '/api/channel/tag/disabled', { tag: 'nobody' })).status, 404);
      for (const [method, url, body, field] of [
        ['POST', '/api/channel/tag/enabled', { tag: '' }, 'tag'],
        ['PUT', '/api/channel/tag', { tag: 'pool-y', models: ',' }, 'models'],
        ['PUT', '/api/channel/tag', { tag: 'pool-y', priority: 'high' }, 'priority'],
        ['POST', '/api/channel/batch/tag', { ids: [], tag: 'x' }, 'ids'],
      ] as const) {
        const r = await call(method, url, body);
        assert.equal(r.status, 400, `${url} ${JSON.stringify(body)}`);
        assert.match(r.body.message, new RegExp(`^${field}`));
      }
      assert.equal((await call('PUT', '/api/channel/tag', { tag: 'pool-y' }, user)).status, 403);
      await call('POST', '/api/channel/batch', { ids });
    });

    test('copy: same settings and key, named "(copy)", disabled, fresh counters; the key never shown', async () => {
      const made = await call('POST', '/api/channel/', {
        name: 'orig',
        key: 'sk-orig-0123456789',
        base_url: up.url,
        models: 'copy-model',
        model_mapping: '{"copy-model":"up-model"}',
        priority: 3,
      });
      const id = made.body.data.id;
      const copy = await call('POST', `/api/channel/copy/${id}`);
      assert.equal(copy.status, 200, JSON.stringify(copy.body));
      const c = copy.body.data;
      assert.notEqual(c.id, id);
      assert.deepEqual(
        [c.name, c.status, c.priority, c.models, c.model_mapping],
        ['orig (copy)', 2, 3, 'copy-model', '{"copy-model":"up-model"}'],
      );
      assert.equal(JSON.stringify(copy.body).includes('sk-orig'), false, 'no key in the answer');
      const rows = await t.ctx.dbs.main.db
        .selectFrom('channels')
        .select(['id', 'key'])
        .where('id', 'in', [id, c.id])
        .execute();
      assert.equal(rows.length, 2);
      assert.equal(rows[0].key, rows[1].key, 'the key copied as stored (encrypted)');
      assert.deepEqual(
        (await abilities(c.id)).map((a) => a.enabled),
        [0],
        'serving rows written, disabled',
      );
      assert.equal((await call('POST', '/api/channel/copy/999999')).status, 404);
    });

    test('channels are admin only', async () => {
      assert.equal((await call('GET', '/api/channel/', undefined, user)).status, 403);
      assert.equal((await call('POST', '/api/channel/', { name: 'x' }, user)).status, 403);
      assert.equal((await t.call({ method: 'GET', url: '/api/channel/' })).status, 401);
    });
  });
}
