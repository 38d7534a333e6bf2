/**
 * `npm run bench:relay`: the fake upstream direct, through Tollgate, and through the Portkey gateway
 * (@portkey-ai/gateway@1.15.2, installed into a temporary folder), in one run, with autocannon.
 * Each server runs in its own process; autocannon runs in this one.
 *
 * - added latency at 1 connection: at one connection requests are strictly sequential, so the mean
 *   latency is 1000 / (req/s) ms; added latency = that figure through a gateway minus direct. (autocannon's
 *   latency histogram has 1 ms resolution, too coarse for sub-millisecond differences.)
 * - req/s at 10 connections (non-stream chat completions)
 * - streams/s at 10 connections (SSE chat completions, 5 content chunks + usage); Tollgate's consume logs
 *   are counted afterwards to show that every stream was billed.
 *
 * Two floor rows: "proxy", a bare `node:http` proxy (keep-alive agent, the body piped through unparsed):
 * the cost of the extra hop itself on this machine, which no Node gateway can go below; and "floor", Fastify
 * + undici (the body parsed and re-serialised, still no auth, billing or logs).
 *
 * Then Anthropic Messages (`POST /v1/messages`, what Claude Code sends): the fake upstream's own
 * /v1/messages direct, through Tollgate to an Anthropic channel (passthrough), and through Tollgate to
 * an OpenAI channel (converted to chat and back, stream events included).
 *
 * Options: BENCH_SECONDS (default 10) per measurement; BENCH_PG_URL to run Tollgate on PostgreSQL;
 * BENCH_METRICS=1 to keep Prometheus metrics (what they cost); BENCH_OPTIONS='{"Key":"value"}' to set
 * options first (what consume logs or the rollup cost); BENCH_PORTKEY=0 to leave Portkey out;
 * BENCH_MESSAGES=0 to leave the Anthropic rows out; BENCH_PROF=dir for a CPU profile of the Tollgate process;
 * BENCH_TARGETS=proxy,tollgate to measure only those chat rows (direct is always measured: the baseline);
 * BENCH_LOG_LEVEL=info to run Tollgate with its server log on (a default installation's level).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const role = process.argv.find((a) => a.startsWith('--role='))?.slice(7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MODEL = 'gpt-4o-mini';
const CLAUDE = 'claude-bench';
const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: MODEL,
    messages: [{ role: 'user', content: 'Say hello' }],
    ...(stream ? { stream: true } : {}),
  });
const messagesBody = (model: string) => (stream: boolean) =>
  JSON.stringify({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
    ...(stream ? { stream: true } : {}),
  });

if (role === 'upstream') {
  const { startFakeUpstream } = await import('../test/support/fake-upstream.ts');
  const up = await startFakeUpstream({ record: false });
  process.send!({ url: up.url });
} else if (role === 'tollgate') {
  await runTollgate();
} else if (role === 'floor') {
  await runFloor();
} else if (role === 'proxy') {
  await runProxy();
} else {
  await orchestrate();
}

async function runTollgate(): Promise<void> {
  const { startTestApp, setupRoot, createActor } = await import('../test/support/app.ts');
  const { seedChannel, seedToken, setPricing, listen, settled } = await import(
    '../test/support/relay-fixtures.ts'
  );
  // BENCH_PG_URL=postgres://… measures on PostgreSQL (a fresh database on that server) instead of SQLite
  const pgUrl = process.env.BENCH_PG_URL;
  // BENCH_METRICS=1: with Prometheus metrics kept (METRICS_TOKEN set), to measure what they cost
  const env: Record<string, string> =
    process.env.BENCH_METRICS === '1' ? { METRICS_TOKEN: 'bench-metrics-token-0123456789' } : {};
  // BENCH_LOG_LEVEL=info: the server log on, as a default installation runs (lines go to a pipe the
  // orchestrator drains, as they would to docker's or systemd's)
  if (process.env.BENCH_LOG_LEVEL) env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL;
  // the server log as main.ts writes it (one write per turn of the event loop)
  const { coalescedStdout } = await import('../src/http/log-output.ts');
  const t = await startTestApp(
    pgUrl ? { name: 'postgres', url: pgUrl } : { name: 'sqlite' },
    env,
    {},
    process.env.BENCH_LOG_LEVEL ? { logStream: coalescedStdout() } : {},
  );
  const root = await setupRoot(t);
  const user = await createActor(t, root, 'bench', { quota: 1_000_000_000_000 });
  await setPricing(t, {
    ModelRatio: { [MODEL]: 0.075, [CLAUDE]: 1.5 },
    CompletionRatio: { [MODEL]: 4, [CLAUDE]: 5 },
  });
  await seedChannel(t, { base_url: process.env.UPSTREAM_URL!, models: [MODEL] });
  await seedChannel(t, { type: 14, base_url: process.env.UPSTREAM_URL!, models: [CLAUDE] });
  const token = await seedToken(t, { user_id: user.id });
  // BENCH_OPTIONS='{"LogConsumeEnabled":"false"}': options set before the run (what a part costs)
  for (const [k, v] of Object.entries(
    JSON.parse(process.env.BENCH_OPTIONS ?? '{}') as Record<string, string>,
  ))
    await t.ctx.options.set(k, v);
  const base = await listen(t);
  // how long the event loop was held between two stats requests (the log writer's commits included)
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', async (msg: { cmd: string }) => {
    // `exit`: a normal exit, so that --cpu-prof writes its profile
    if (msg.cmd === 'exit') process.exit(0);
    if (msg.cmd !== 'stats') return;
    const held = { loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 };
    await settled(t);
    loop.reset();
    const rows = await t.ctx.dbs.logs.db
      .selectFrom('logs')
      .select(['is_stream', 'other'])
      .where('type', '=', 2)
      .execute();
    const stats = { stream: 0, nonStream: 0, streamUpstreamUsage: 0, streamEstimated: 0, ...held };
    for (const r of rows) {
      const source = JSON.parse(r.other).usage_source;
      if (r.is_stream) {
        stats.stream += 1;
        if (source === 'upstream') stats.streamUpstreamUsage += 1;
        else stats.streamEstimated += 1;
      } else stats.nonStream += 1;
    }
    process.send!({ stats });
  });
  process.send!({ url: base.replace(/\/v1$/, ''), key: token.key });
}

/**
 * The floor: Fastify + one undici request() per call and nothing else (no auth, no billing, no log), to
 * show what any Node gateway of this shape costs on this machine.
 */
async function runFloor(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connections: 256 });
  const app = Fastify();
  const up = process.env.UPSTREAM_URL!;
  app.post('/v1/chat/completions', async (req, reply) => {
    const res = await request(`${up}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: 'Bearer upstream-secret' },
      body: JSON.stringify(req.body),
    });
    reply.status(res.statusCode).header('content-type', res.headers['content-type'] as string);
    return reply.send(res.body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` });
}

/** The bare proxy: node:http in, node:http out on a keep-alive agent, bodies piped both ways unread. */
async function runProxy(): Promise<void> {
  const http = await import('node:http');
  const up = new URL(process.env.UPSTREAM_URL!);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const out = http.request(
      {
        host: up.hostname,
        port: up.port,
        path: req.url,
        method: req.method,
        agent,
        headers: {
          'content-type': req.headers['content-type'] ?? 'application/json',
          'content-length': req.headers['content-length'] ?? '0',
          authorization: 'Bearer upstream-secret',
        },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? '' });
        upRes.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send!({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` });
}

function child(args: string[], env: Record<string, string> = {}): Promise<{ proc: ChildProcess; msg: any }> {
  const logged = Boolean(process.env.BENCH_LOG_LEVEL) && args.includes('--role=tollgate');
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', logged ? 'pipe' : 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  if (logged) proc.stdout?.resume();
  return new Promise((resolve, reject) => {
    proc.once('message', (msg) => resolve({ proc, msg }));
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

async function waitHttp(url: string, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

/** Installs Portkey into a temporary folder and starts it; returns why not when it cannot. */
async function startPortkey(): Promise<{ url: string; proc: ChildProcess; dir: string } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-portkey-'));
  // @hono/node-server ≥ 1.14 hands fetch's immutable response headers to Portkey, whose stream path then
  // fails with "TypeError: immutable" (Portkey-AI/gateway#1389, #1550): pin the version before that.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      private: true,
      dependencies: { '@portkey-ai/gateway': '1.15.2' },
      overrides: { '@hono/node-server': '1.13.8' },
    }),
  );
  const install = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund'], {
    encoding: 'utf8',
  });
  if (install.status !== 0)
    return { error: `npm install failed: ${(install.stderr || install.stdout).slice(-500)}` };
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(
    process.execPath,
    [join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${port}`, '--headless'],
    {
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  try {
    await waitHttp(`http://127.0.0.1:${port}/`);
  } catch (err) {
    proc.kill();
    return { error: String(err) };
  }
  return { url: `http://127.0.0.1:${port}`, proc, dir };
}

interface Target {
  name: string;
  url: string;
  /** the process serving it (its CPU time is read from /proc around each measurement) */
  pid?: number;
  headers: Record<string, string>;
  /** default: /v1/chat/completions with a chat body */
  path?: string;
  body?: (stream: boolean) => string;
}

async function cannon(t: Target, connections: number, stream: boolean, seconds = SECONDS) {
  const r = await autocannon({
    url: `${t.url}${t.path ?? '/v1/chat/completions'}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: (t.body ?? chatBody)(stream),
    connections,
    duration: seconds,
  });
  const ok = r['2xx'];
  return { rps: ok / (r.duration || seconds), ok, errors: r.errors + r.non2xx + r.timeouts };
}

/** User + system CPU time of a process so far (ms), from /proc (Linux); NaN elsewhere or without a pid. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    // fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // in Linux's USER_HZ ticks, 100 a second on every common build (read at run time: this function runs
    // before module-level constants below the top-level await are set)
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
async function askStats(proc: ChildProcess): Promise<Record<string, number>> {
  proc.send({ cmd: 'stats' });
  return new Promise((r) => proc.once('message', (m: any) => r(m.stats)));
}

async function orchestrate(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const up = await child(['--import', 'tsx', self, '--role=upstream']);
  // BENCH_PROF=dir: a CPU profile of the Tollgate process, written to dir when the run ends
  const prof = process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const tg = await child([...prof, '--import', 'tsx', self, '--role=tollgate'], { UPSTREAM_URL: up.msg.url });
  const floor = await child(['--import', 'tsx', self, '--role=floor'], { UPSTREAM_URL: up.msg.url });
  const proxy = await child(['--import', 'tsx', self, '--role=proxy'], { UPSTREAM_URL: up.msg.url });
  const only = process.env.BENCH_TARGETS?.split(',').map((s) => s.trim());
  const portkey =
    process.env.BENCH_PORTKEY === '0' || (only && !only.includes('portkey'))
      ? { error: 'not asked for' }
      : await startPortkey();
  const targets: Target[] = [
    {
      name: 'direct',
      url: up.msg.url,
      pid: up.proc.pid,
      headers: { authorization: 'Bearer upstream-secret' },
    },
    { name: 'proxy', url: proxy.msg.url, pid: proxy.proc.pid, headers: {} },
    { name: 'floor', url: floor.msg.url, pid: floor.proc.pid, headers: {} },
    {
      name: 'tollgate',
      url: tg.msg.url,
      pid: tg.proc.pid,
      headers: { authorization: `Bearer ${tg.msg.key}` },
    },
  ];
  if ('url' in portkey) {
    targets.push({
      name: 'portkey',
      url: portkey.url,
      pid: portkey.proc.pid,
      headers: {
        authorization: 'Bearer upstream-secret',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${up.msg.url}/v1`,
      },
    });
  } else console.log(`portkey: not measured (${portkey.error})`);

  // BENCH_TARGETS=proxy,tollgate: only those rows (and direct, which every comparison starts from)
  if (only)
    targets.splice(0, targets.length, ...targets.filter((t) => t.name === 'direct' || only.includes(t.name)));
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; ${SECONDS} s per measurement`,
  );
  const results: Record<string, Record<string, number>> = {};
  let billing = { streams: 0, logs: 0, upstream: 0, estimated: 0, loopP99Ms: 0, loopMaxMs: 0 };
  for (const t of targets) {
    await cannon(t, 10, false, 2); // warm-up (JIT, pools, tokenizer)
    await cannon(t, 10, true, 2);
    const one = await cannon(t, 1, false);
    const cpu0 = cpuMs(t.pid);
    const ten = await cannon(t, 10, false);
    const cpu1 = cpuMs(t.pid);
    const before = t.name === 'tollgate' ? await askStats(tg.proc) : null;
    const cpu2 = cpuMs(t.pid);
    const streams = await cannon(t, 10, true);
    const cpu3 = cpuMs(t.pid);
    if (before) {
      const after = await askStats(tg.proc);
      billing = {
        streams: streams.ok,
        logs: after.stream - before.stream,
        upstream: after.streamUpstreamUsage - before.streamUpstreamUsage,
        estimated: after.streamEstimated - before.streamEstimated,
        loopP99Ms: after.loopP99Ms,
        loopMaxMs: after.loopMaxMs,
      };
    }
    results[t.name] = {
      meanLatencyMs: 1000 / one.rps,
      rps1: one.rps,
      rps10: ten.rps,
      streams10: streams.rps,
      streamsOk: streams.ok,
      errors: one.errors + ten.errors + streams.errors,
      // CPU time of the serving process per answered call (µs): what a call costs it, whatever else runs
      cpuCall: ((cpu1 - cpu0) * 1000) / ten.ok,
      cpuStream: ((cpu3 - cpu2) * 1000) / streams.ok,
    };
    const r = results[t.name];
    console.log(
      `${t.name.padEnd(9)} 1 conn: ${one.rps.toFixed(0)} req/s (mean ${(1000 / one.rps).toFixed(3)} ms) | 10 conn: ${ten.rps.toFixed(0)} req/s | streams 10 conn: ${streams.rps.toFixed(0)}/s | errors ${r.errors} | CPU per call ${r.cpuCall.toFixed(0)} µs, per stream ${r.cpuStream.toFixed(0)} µs`,
    );
  }
  const d = results.direct;
  const p = results.proxy;
  for (const name of ['proxy', 'floor', 'tollgate', 'portkey']) {
    const r = results[name];
    if (r)
      console.log(
        `${name}: added latency ${(r.meanLatencyMs - d.meanLatencyMs).toFixed(3)} ms at 1 connection` +
          (p
            ? `, ${(r.meanLatencyMs - p.meanLatencyMs).toFixed(3)} ms over the bare proxy; ${(r.rps10 / p.rps10).toFixed(2)}× its req/s, ${(r.streams10 / p.streams10).toFixed(2)}× its streams/s at 10 connections; ${(r.cpuCall - p.cpuCall).toFixed(0)} µs more CPU per call, ${(r.cpuStream - p.cpuStream).toFixed(0)} µs per stream`
            : ''),
      );
  }
  if (results.portkey && results.tollgate)
    console.log(
      `tollgate / portkey req/s at 10 connections: ${(results.tollgate.rps10 / results.portkey.rps10).toFixed(1)}×`,
    );

  // Anthropic Messages in: direct, passthrough to an Anthropic channel, converted to an OpenAI channel
  const msg = { path: '/v1/messages', 'anthropic-version': '2023-06-01' };
  const messageTargets: Target[] = [
    {
      name: 'messages direct',
      url: up.msg.url,
      path: msg.path,
      headers: { 'anthropic-version': msg['anthropic-version'], 'x-api-key': 'upstream-secret' },
      body: messagesBody(CLAUDE),
    },
    {
      name: 'messages passthrough',
      url: tg.msg.url,
      path: msg.path,
      headers: { 'anthropic-version': msg['anthropic-version'], 'x-api-key': tg.msg.key },
      body: messagesBody(CLAUDE),
    },
    {
      name: 'messages converted',
      url: tg.msg.url,
      path: msg.path,
      headers: { 'anthropic-version': msg['anthropic-version'], 'x-api-key': tg.msg.key },
      body: messagesBody(MODEL),
    },
  ];
  for (const t of process.env.BENCH_MESSAGES === '0' ? [] : messageTargets) {
    await cannon(t, 10, false, 2);
    await cannon(t, 10, true, 2);
    const one = await cannon(t, 1, false);
    const ten = await cannon(t, 10, false);
    const streams = await cannon(t, 10, true);
    console.log(
      `${t.name.padEnd(20)} 1 conn: ${one.rps.toFixed(0)} req/s (mean ${(1000 / one.rps).toFixed(3)} ms) | 10 conn: ${ten.rps.toFixed(0)} req/s | streams 10 conn: ${streams.rps.toFixed(0)}/s | errors ${one.errors + ten.errors + streams.errors}`,
    );
  }

  console.log(`load average after: ${loadavg()[0].toFixed(2)} (other work on the machine skews every row)`);
  console.log(
    `tollgate billing of the measured stream run: ${billing.logs} consume logs for ${billing.streams} streams answered; usage from the upstream on ${billing.upstream}, estimated on ${billing.estimated} (streams cut by autocannon when the run ends); event loop held p99 ${billing.loopP99Ms.toFixed(1)} ms, longest ${billing.loopMaxMs.toFixed(1)} ms`,
  );

  await new Promise((resolve) => {
    tg.proc.once('exit', resolve);
    tg.proc.send({ cmd: 'exit' }); // a normal exit writes the profile
  });
  floor.proc.kill();
  proxy.proc.kill();
  up.proc.kill();
  if ('proc' in portkey) {
    portkey.proc.kill();
    rmSync(portkey.dir, { recursive: true, force: true });
  }
}
