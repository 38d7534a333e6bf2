/**
 * `npm run bench -- stall [--rows 500000]`: does one client's request hold the event loop? The app runs on
 * SQLite, listening on loopback; a worker thread (its own event loop, so its clock is honest) asks
 * `GET /api/status` every 10 ms and records each answer's latency while the main thread plays the
 * attacker: a self-registered user with zero quota sending a 64 KB one-word prompt and 16,000 spaces, a
 * deep `p=5000&page_size=100` page of its own logs, one CSV export of its `--rows` rows, then five at
 * once. Prints p50/p99/max of `/api/status` per scenario (CONTRACT §10: p99 < 50 ms).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { toRow } from '../src/modules/logs/log-writer.ts';
import { createActor, setupRoot, startTestApp } from '../test/support/app.ts';
import { startFakeUpstream } from '../test/support/fake-upstream.ts';
import { listen, seedChannel, seedToken, setPricing } from '../test/support/relay-fixtures.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 500_000);

const t = await startTestApp({ name: 'sqlite' });
const up = await startFakeUpstream({ record: false });
const root = await setupRoot(t);
const attacker = await createActor(t, root, 'attacker', { quota: 0 });
await seedChannel(t, { base_url: up.url, models: ['gpt-4o-mini'] });
await setPricing(t, { ModelRatio: { 'gpt-4o-mini': 0.075 } });
const { key } = await seedToken(t, { user_id: attacker.id });
const v1 = await listen(t);
const origin = v1.replace(/\/v1$/, '');

// The attacker's own logs, inserted straight into the table (the writer's path is not what is measured).
const d = t.ctx.dbs.logs;
const now = Math.floor(Date.now() / 1000);
const other = { model_ratio: 0.075, group_ratio: 1, completion_ratio: 4, model_price: -1, frt: 420 };
const t0 = performance.now();
for (let i = 0; i < ROWS; i += 1000) {
  const rows = [];
  for (let j = i; j < Math.min(ROWS, i + 1000); j++)
    rows.push(
      toRow(
        {
          type: 2,
          user_id: attacker.id,
          username: 'attacker',
          content: 'API call succeeded',
          token_id: 1,
          token_name: 'test-token',
          model_name: 'gpt-4o-mini',
          quota: 100,
          prompt_tokens: 50,
          completion_tokens: 70,
          use_time: 1,
          channel_id: 1,
          group: 'default',
          ip: '127.0.0.1',
          request_id: randomBytes(8).toString('hex'),
          other,
        },
        now - 30 * 86400 + Math.floor((j * 30 * 86400) / ROWS),
      ),
    );
  await d.dialect.insertRows(d.db, 'logs', Object.keys(rows[0]), rows);
}
console.error(`seeded ${ROWS} log rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const probe = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const http = require('node:http');
   const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
   let lat = [], running = true;
   parentPort.on('message', (m) => {
     if (m === 'take') { parentPort.postMessage(lat); lat = []; }
     if (m === 'stop') { running = false; agent.destroy(); }
   });
   function one() {
     if (!running) return;
     const t0 = performance.now();
     http.get(workerData + '/api/status', { agent }, (res) => {
       res.resume();
       res.on('end', () => { lat.push(performance.now() - t0); setTimeout(one, 10); });
     }).on('error', () => { lat.push(performance.now() - t0); setTimeout(one, 10); });
   }
   one();`,
  { eval: true, workerData: origin },
);
const take = () =>
  new Promise<number[]>((resolve) => {
    probe.once('message', resolve);
    probe.postMessage('take');
  });

async function scenario(label: string, attack: () => Promise<unknown>) {
  await take();
  const a0 = performance.now();
  const outcome = await attack().then(
    (r) => String(r),
    (e) => `error ${(e as Error).message}`,
  );
  const attackMs = performance.now() - a0;
  await new Promise((r) => setTimeout(r, 100));
  const lat = (await take()).sort((a, b) => a - b);
  const q = (p: number) =>
    lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : Number.NaN;
  console.log(
    `| ${label} | ${lat.length} | ${q(0.5).toFixed(1)} | ${q(0.99).toFixed(1)} | ${(lat.at(-1) ?? Number.NaN).toFixed(1)} | ${(attackMs / 1000).toFixed(2)} s, ${outcome} |`,
  );
}

// The attacker runs on a thread of its own too: building and uploading 16 MB, or reading 160 MB of CSV,
// is the client's work and must not be billed to the server's event loop.
const attackerThread = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', async ({ requests }) => {
     const out = await Promise.all(requests.map(async (r) => {
       try {
         const body = r.body === undefined ? undefined : eval(r.body);
         const res = await fetch(r.url, { method: r.method, headers: r.headers, body });
         let bytes = 0;
         for await (const c of res.body) bytes += c.length;
         return res.status + ', ' + (bytes / 1e6).toFixed(1) + ' MB';
       } catch (e) { return 'error ' + e.message; }
     }));
     parentPort.postMessage(out.join('; '));
   });`,
  { eval: true },
);
type Req = { url: string; method: string; headers: Record<string, string>; body?: string };
const send =
  (...requests: Req[]) =>
  () =>
    new Promise<string>((resolve) => {
      attackerThread.once('message', resolve);
      attackerThread.postMessage({ requests });
    });
/** A chat call whose message content is the JS expression `contentJs`, built on the attacker thread. */
const chat = (contentJs: string): Req => ({
  url: `${v1}/chat/completions`,
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: `JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: ${contentJs} }] })`,
});
const get = (path: string): Req => ({ url: origin + path, method: 'GET', headers: attacker.headers });

console.log(
  `\n/api/status latency (ms) while one attacker works; ${ROWS} rows of the attacker's logs, SQLite\n`,
);
console.log('| attack | probes | p50 | p99 | max | attack took, answer |\n|---|---|---|---|---|---|');
await send(chat("'warm the tokenizer up'"))();
await new Promise((r) => setTimeout(r, 1500));
await scenario('none (idle, 1 s)', () => new Promise((r) => setTimeout(() => r('-'), 1000)));
await scenario('chat, 64 KB one-word prompt', send(chat("'a'.repeat(65536)")));
await scenario('chat, 16,000 spaces', send(chat("' '.repeat(16000)")));
await scenario(
  'chat, 1 MB of prose',
  send(chat("'the quick brown fox jumps over the lazy dog. '.repeat(23000)")),
);
await scenario(
  'chat, 16 MB of tiny JSON objects',
  send(chat("Array.from({ length: 1000000 }, () => ({ type: 'text' }))")),
);
await scenario('GET /api/log/self?p=5000&page_size=100', send(get('/api/log/self?p=5000&page_size=100')));
await scenario(`CSV export of ${ROWS} rows`, send(get('/api/log/self/export')));
await scenario(
  '5 CSV exports at once',
  send(...Array.from({ length: 5 }, () => get('/api/log/self/export'))),
);
probe.postMessage('stop');
await probe.terminate();
await attackerThread.terminate();
await t.close();
await up.close();
