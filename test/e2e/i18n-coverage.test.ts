// Every phrase the console passes to t('…') has a Chinese and a Japanese translation.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ja } from '../../web/src/i18n/ja.ts';
import { zh } from '../../web/src/i18n/zh.ts';
import { ROOT } from './support.ts';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name) && !p.includes(`${join('src', 'i18n')}`)) out.push(p);
  }
  return out;
}

/** t('…') calls, plus the label tables translated at render time (nav, log types, option labels). */
function phrases(): Set<string> {
  const found = new Set<string>();
  for (const file of sources(join(ROOT, 'web/src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\blabel: '([^']+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/\b(?:p|text)\('[A-Za-z_]+', '([^']+)'\)/g)) found.add(m[1]!);
  }
  // channel kinds and language names are proper names, shown as they are
  for (const name of ['OpenAI-compatible', 'Anthropic', 'Gemini', 'English', '中文', '日本語'])
    found.delete(name);
  return found;
}

test('every console phrase has zh and ja translations', () => {
  const all = phrases();
  assert.ok(all.size > 100, `found only ${all.size} phrases: the scan is broken`);
  const missing = [...all].filter((p) => zh[p] === undefined || ja[p] === undefined);
  assert.deepEqual(missing, []);
});
