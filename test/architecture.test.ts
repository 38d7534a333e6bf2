/**
 * Dependencies point one way (issue 14, docs/ARCHITECTURE.md): a relative import that crosses into an area
 * it may not fails this test, and so `npm run check` and `npm test`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');

/** The area a file belongs to. */
function area(path: string): string {
  const p = normalize(path);
  if (p.startsWith('src/shared/')) return 'shared';
  if (p.startsWith('src/relay/providers/')) return 'providers';
  if (p.startsWith('src/relay/')) return 'relay';
  if (p.startsWith('src/modules/')) return 'modules';
  if (p.startsWith('src/db/')) return 'db';
  if (p.startsWith('src/http/')) return 'http';
  if (p.startsWith('src/import/')) return 'import';
  if (p.startsWith('web/')) return 'web';
  if (p.startsWith('src/')) return 'app';
  return 'other';
}

/** What each area may import (relative imports; packages are each file's own business). */
const ALLOWED: Record<string, string[]> = {
  shared: ['shared'],
  providers: ['providers', 'shared'],
  db: ['db', 'shared', 'app'],
  http: ['http', 'db', 'shared', 'app'],
  modules: ['modules', 'http', 'db', 'shared', 'app'],
  web: ['web', 'shared'],
};

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import that breaks the rules, as "file → spec". `files`: path → source text. */
function violations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    const allowed = ALLOWED[area(file)];
    if (!allowed) continue;
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = area(normalize(join(dirname(file), spec)));
      if (!allowed.includes(target)) out.push(`${file} → ${spec} (${area(file)} may not import ${target})`);
    }
  }
  return out;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts'))
      out.set(relative('.', p), readFileSync(join(ROOT, p), 'utf8'));
  }
  return out;
}

test('imports point one way: shared ← providers, db ← http ← modules, and the console imports only shared', () => {
  const files = new Map([...sources('src'), ...sources('web/src')]);
  assert.ok(files.size > 100, `read ${files.size} files`);
  assert.deepEqual(violations(files), []);
});

test('a wrong import is caught (the rule is not vacuous)', () => {
  const scratch = new Map([
    ['src/modules/tokens/scratch.ts', "import { dispatch } from '../../relay/dispatch.ts';"],
    ['src/relay/providers/openai-compatible/scratch.ts', "import { x } from '../../../db/connect.ts';"],
    ['web/src/pages/Scratch.tsx', "import { buildApp } from '../../../src/app.ts';"],
    ['src/shared/scratch.ts', "import type { User } from '../db/schema.ts';"],
    ['src/modules/tokens/fine.ts', "import { parseKey } from '../../shared/token-key.ts';"],
  ]);
  assert.deepEqual(
    violations(scratch).map((v) => v.split(' → ')[0]),
    [
      'src/modules/tokens/scratch.ts',
      'src/relay/providers/openai-compatible/scratch.ts',
      'web/src/pages/Scratch.tsx',
      'src/shared/scratch.ts',
    ],
  );
});
