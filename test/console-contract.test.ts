/**
 * The console's calls (web/src/api/endpoints.ts) against the server's routes (issue 14): every path the
 * console names exists with its method, and no page names a path of its own.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './support/app.ts';

const ROOT = join(import.meta.dirname, '..');
const ENDPOINTS = readFileSync(join(ROOT, 'web/src/api/endpoints.ts'), 'utf8');

const METHOD: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', del: 'DELETE' };

/** (method, path) of each call in endpoints.ts; `${…}` parts become 1. */
function calls(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const m =
      /api\.(get|post|put|del)</.exec(line) ??
      /requestRaw<[^>]*>\('(GET|POST|PUT|DELETE)'/.exec(line) ??
      /(download|openStream)\(/.exec(line);
    if (!m) continue;
    const method = METHOD[m[1]] ?? (m[1] === 'download' || m[1] === 'openStream' ? 'GET' : m[1]);
    for (const p of line.matchAll(/['`](\/api\/[^'`]*)['`]/g))
      out.push([method, p[1].replace(/\$\{[^}]+\}/g, '1').split('?')[0]]);
  }
  return out;
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) files(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

describe('console ↔ server contract', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
  });
  after(() => t.close());

  it('every call of the console names a route the server has', async () => {
    const list = calls(ENDPOINTS);
    assert.ok(list.length >= 30, `read ${list.length} calls`);
    const missing: string[] = [];
    for (const [method, url] of list) {
      const res = await t.call({ method: method as 'GET', url });
      const message = String((res.body as { message?: unknown })?.message ?? '');
      if (res.status === 404 && message.startsWith('no route')) missing.push(`${method} ${url}`);
    }
    assert.deepEqual(missing, []);
  });

  it('a missing route is noticed (the check is not vacuous)', async () => {
    const res = await t.call({ method: 'GET', url: calls("api.get<X>('/api/no-such-route')")[0][1] });
    assert.equal(res.status, 404);
    assert.match(String(res.body.message), /^no route/);
  });

  it('pages and components call the typed endpoints, never a path of their own', () => {
    const own = files('web/src')
      .filter((f) => !f.startsWith('web/src/api/'))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .filter((l) => /['`]\/api\//.test(l) && !/^\s*(\/\/|\*|\/\*\*)/.test(l))
          .map((l) => `${f}: ${l.trim()}`),
      );
    assert.deepEqual(own, []);
  });
});
