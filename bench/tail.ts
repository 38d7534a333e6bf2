/**
 * `npm run bench -- tail [--viewers 200] [--seconds 8]`: the live log tail under load (issue 21).
 * Tollgate (SQLite) and the fake upstream run in child processes; this process drives autocannon (10
 * connections, non-stream chat) and holds the tail viewers (admin, no filter: every row reaches every
 * viewer). Measured: the relay's req/s without viewers and with them, and the delivery delay of probe rows
 * (written by Tollgate every 100 ms with their write time, read by every viewer): from the log writer's
 * write() to the viewer, so it includes the writer's batching (at most 200 ms by default).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { readEvents } from '../src/shared/sse.ts';

const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const VIEWERS = arg('viewers', 200);
const SECONDS = arg('seconds', 8);
const MODEL = 'gpt-4o-mini';

if (role === 'upstream') {
  const { startFakeUpstream } = await import('../test/support/fake-upstream.ts');
  const up = await startFakeUpstream({ record: false });
  process.send!({ url: up.url });
} else if (role === 'tollgate') {
  const { startTestApp, setupRoot, createActor } = await import('../test/support/app.ts');
  const { seedChannel, seedToken, setPricing, listen } = await import('../test/support/relay-fixtures.ts');
  const t = await startTestApp({ name: 'sqlite' });
  const root = await setupRoot(t);
  const user = await createActor(t, root, 'bench', { quota: 1_000_000_000_000 });
  await setPricing(t, { ModelRatio: { [MODEL]: 0.075 } });
  await seedChannel(t, { base_url: process.env.UPSTREAM_URL!, models: [MODEL] });
  const token = await seedToken(t, { user_id: user.id });
  const base = await listen(t);
  let probes: NodeJS.Timeout | null = null;
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'probes-on')
      probes = setInterval(
        () =>
          t.ctx.logWriter.write({
            type: 5,
            user_id: 0,
            username: '',
            content: `probe:${Date.now()}`,
          }),
        100,
      );
    if (msg.cmd === 'probes-off' && probes) clearInterval(probes);
  });
  process.send!({ origin: base.replace(/\/v1$/, ''), key: token.key, admin: root.headers });
} else {
  const self = fileURLToPath(import.meta.url);
  const child = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ proc: ChildProcess; msg: any }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, ...env },
      });
      proc.once('message', (msg) => resolve({ proc, msg }));
      proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    });
  const up = await child(['--role=upstream']);
  const tg = await child(['--role=tollgate'], { UPSTREAM_URL: up.msg.url });
  const { origin, key, admin } = tg.msg;
  const cannon = async (seconds: number) => {
    const r = await autocannon({
      url: `${origin}/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }] }),
      connections: 10,
      duration: seconds,
    });
    return { rps: r['2xx'] / (r.duration || seconds), errors: r.errors + r.non2xx + r.timeouts };
  };
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()[0].toFixed(2)}`,
  );
  await cannon(2); // warm-up
  const without = await cannon(SECONDS);

  const delays: number[] = [];
  let rows = 0;
  const aborts: AbortController[] = [];
  for (let v = 0; v < VIEWERS; v++) {
    const ac = new AbortController();
    aborts.push(ac);
    const res = await fetch(`${origin}/api/log/stream`, { headers: admin, signal: ac.signal });
    void (async () => {
      try {
        await readEvents(res.body!, ({ event, data }) => {
          if (event !== 'log') return;
          rows += 1;
          const m = /"content":"probe:(\d+)"/.exec(data);
          if (m) delays.push(Date.now() - Number(m[1]));
        });
      } catch {
        // aborted at the end
      }
    })();
  }
  tg.proc.send({ cmd: 'probes-on' });
  const withViewers = await cannon(SECONDS);
  tg.proc.send({ cmd: 'probes-off' });
  await new Promise((r) => setTimeout(r, 500));
  for (const a of aborts) a.abort();
  delays.sort((a, b) => a - b);
  const pct = (p: number) =>
    delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))] ?? Number.NaN;
  console.log(
    `relay, 10 connections, no viewers: ${without.rps.toFixed(0)} req/s (errors ${without.errors})`,
  );
  console.log(
    `relay, 10 connections, ${VIEWERS} tail viewers: ${withViewers.rps.toFixed(0)} req/s (errors ${withViewers.errors}), ${(withViewers.rps / without.rps).toFixed(2)}×`,
  );
  console.log(
    `tail: ${rows} rows delivered in all; probe delay (write() to viewer) p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${delays.at(-1)} ms over ${delays.length} deliveries`,
  );
  console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
  tg.proc.kill();
  up.proc.kill();
}
