import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestIds } from './request-ids.ts';

test('request ids: 24 hex characters, unique within a process and apart across processes', () => {
  const a = requestIds();
  const b = requestIds();
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = a();
    assert.match(id, /^[0-9a-f]{24}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
  assert.notEqual(a().slice(0, 12), b().slice(0, 12), 'each process (generator) draws its own prefix');
});
