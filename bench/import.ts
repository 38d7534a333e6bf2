/**
 * `npm run bench -- import [--rows 1000000]`: a New API SQLite database with that many log rows (plus the
 * fixture's users, tokens, channels and codes) imported into a fresh Tollgate SQLite database by
 * `npm run import:newapi`, run as its own process. Prints the import's own summary (rows/s from the
 * progress line, time, peak RSS of the importer process).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { newApiDatabase } from '../test/support/newapi-fixture.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = Number(values.rows);
const source = await newApiDatabase({ name: 'sqlite' }, 'http://127.0.0.1:9');
const dir = mkdtempSync(join(tmpdir(), 'tollgate-import-bench-'));
try {
  // New API's logs, as its relay writes them: consume rows mostly, a few of every other type
  const t0 = performance.now();
  const db = new Database(source.from);
  const insert = db.prepare(
    `INSERT INTO logs (user_id, created_at, type, content, username, token_name, model_name, quota, prompt_tokens,
      completion_tokens, use_time, is_stream, channel_id, token_id, "group", ip, request_id, other)
     VALUES (2, ?, ?, '', 'alice', 'alice-main', ?, ?, ?, ?, 1, ?, 5, 10, 'default', '10.0.0.1', ?, ?)`,
  );
  const start = Math.floor(Date.now() / 1000) - 90 * 86_400;
  const models = ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4', 'deepseek-chat'];
  const fill = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const type = i % 50 === 0 ? 5 : i % 97 === 0 ? 4 : 2;
      insert.run(
        start + Math.floor((i * 90 * 86_400) / rows),
        type,
        models[i % 4],
        (i % 1000) + 100,
        (i % 700) + 20,
        (i % 300) + 5,
        i % 3 === 0 ? 1 : 0,
        `req-${i}`,
        '{"model_ratio":0.075,"group_ratio":1,"completion_ratio":4,"frt":312}',
      );
    }
  });
  for (let i = 0; i < rows; i += 100_000) fill(i, Math.min(rows, i + 100_000));
  db.close();
  console.log(
    `source: ${rows.toLocaleString('en')} New API logs written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/import/newapi/cli.ts', '--from', source.from],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        SESSION_SECRET: 'bench-session-secret-0123456789',
        SQLITE_PATH: join(dir, 'tollgate.db'),
        LOG_LEVEL: 'silent',
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  const progress = run.stderr
    .trim()
    .split(/[\r\n]/)
    .filter((l) => l.startsWith('logs ['))
    .at(-1);
  console.log(`machine: ${cpus().length} × ${cpus()[0].model}, Node ${process.version}`);
  console.log(progress);
  console.log(run.stdout.trim());
} finally {
  await source.close();
  rmSync(dir, { recursive: true, force: true });
}
