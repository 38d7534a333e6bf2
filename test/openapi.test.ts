/**
 * CONTRACT §11 / issue 18: the OpenAPI document is generated from the schemas that validate each route, is a
 * valid OpenAPI 3.1 document, lists every registered route, and its `/v1` request bodies accept what the
 * official `openai` client's own types describe.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type OpenAI from 'openai';
import { startTestApp, type TestApp } from './support/app.ts';

describe('the OpenAPI document (sqlite)', () => {
  let t: TestApp;
  let doc: any;

  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    const res = await t.call({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(() => t.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
  });

  it('lists every registered /api and /v1 route, with its auth level and its parameters', () => {
    const missing: string[] = [];
    for (const r of t.ctx.documented) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      if (!op) missing.push(`${r.method} ${r.url}`);
      else assert.equal(op['x-auth-level'], r.auth, `${r.method} ${r.url}`);
    }
    assert.deepEqual(missing, []);
    assert.ok(t.ctx.documented.length >= t.ctx.routes.length + 4, 'the /v1 routes are in it too');
    const list = doc.paths['/api/log/'].get;
    const names = list.parameters.map((p: { name: string }) => p.name);
    for (const n of ['p', 'page_size', 'type', 'username', 'start_timestamp', 'cursor'])
      assert.ok(names.includes(n), n);
    assert.deepEqual(list.security.length > 0, true);
    assert.deepEqual(doc.paths['/api/status'].get.security, [], 'public routes need nothing');
    const create = doc.paths['/api/redemption/'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(create.required?.sort(), ['name', 'quota']);
    assert.equal(doc.paths['/api/channel/{id}'].get.parameters[0].in, 'path');
  });

  it("its /v1 request bodies accept what the openai client's types describe, and refuse what they do not", () => {
    const ajv = new Ajv2020({ strict: false });
    const chat = ajv.compile(
      doc.paths['/v1/chat/completions'].post.requestBody.content['application/json'].schema,
    );
    const sample: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 64,
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    };
    assert.equal(chat(sample), true, JSON.stringify(chat.errors));
    assert.equal(chat({ model: 'gpt-4o-mini' }), false, 'messages are required');
    const embeddings = ajv.compile(
      doc.paths['/v1/embeddings'].post.requestBody.content['application/json'].schema,
    );
    const emb: OpenAI.EmbeddingCreateParams = {
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      dimensions: 256,
    };
    assert.equal(embeddings(emb), true, JSON.stringify(embeddings.errors));
  });

  it('the reference page renders it at /docs', async () => {
    const redirect = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 301, 302].includes(redirect.statusCode));
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /\/api\/openapi\.json/);
    assert.match(String(page.headers['content-type']), /text\/html/);
    // its script comes from this server (node_modules), not from a CDN: it works offline
    const script = page.body.match(/src="([^"]+\.js)"/)?.[1];
    assert.ok(script && !/^https?:/.test(script), `a local script: ${script}`);
    assert.equal((await t.app.inject({ method: 'GET', url: `/docs/${script}` })).statusCode, 200);
  });
});
