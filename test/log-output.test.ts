/**
 * The server log's output (src/http/log-output.ts): a turn's lines in one write, in order, and nothing
 * lost when the process exits, a fatal exit included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { CoalescedOutput } from '../src/http/log-output.ts';

describe('server log output', () => {
  it("writes a turn's lines in one piece, in order, and later lines in a later one", async () => {
    const writes: string[] = [];
    const out = new CoalescedOutput({ write: (s: string) => writes.push(s) });
    out.write('a\n');
    out.write('b\n');
    out.write('c\n');
    assert.deepEqual(writes, [], 'nothing written within the turn');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['a\nb\nc\n']);
    out.write('d\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['a\nb\nc\n', 'd\n']);
  });

  it('writes what is pending when the process exits at once (a fatal error), to a pipe', () => {
    const script = `
      const { coalescedStdout } = await import(${JSON.stringify(new URL('../src/http/log-output.ts', import.meta.url).href)});
      const out = coalescedStdout();
      for (let i = 0; i < 1000; i++) out.write('line ' + i + '\\n');
      process.exit(3);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 3, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1000);
    assert.equal(lines[0], 'line 0');
    assert.equal(lines[999], 'line 999');
  });
});
