/**
 * `npm run bench -- logs [--rows 10000000] [--engine sqlite|postgres] [--skip-ingest] [--ingest-only] [--data-only] [--skip-delete]`
 *
 * 1. ingest: rows/s through the log writer (batches of 1000 in one transaction each, hourly rollup included)
 * 2. a database of N realistic rows over 90 days (bench/_log-data.ts), cached in .bench-data/ (SQLite) or
 *    kept in the database `tg_bench_logs_<N>` (PostgreSQL, TEST_PG_URL) so later runs skip the load
 * 3. p50/p95 of /api/log/ and /api/log/self (page + total) for each single filter, 7-day range and none;
 *    /api/log/stat; /api/log/search; /api/data/ over 30 days — through the whole app (app.inject)
 * 4. delete: DELETE /api/log/ of half the rows while a writer adds 1,000 rows/s; the longest writer stall
 *    (SQLite: the database is then re-generated on the next run)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { request } from 'undici';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { BatchLogWriter } from '../src/modules/logs/log-writer.ts';
import { addToRollup } from '../src/modules/usage-data/rollup.ts';
import { loginActor } from '../test/support/app.ts';
import { freshDatabase } from '../test/support/engines.ts';
import { generateLogs } from './_log-data.ts';
import { pct, whileWriting } from './_writer.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    engine: { type: 'string', default: 'sqlite' },
    'skip-delete': { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'ingest-only': { type: 'boolean', default: false },
    'data-only': { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const ENGINE = values.engine as 'sqlite' | 'postgres';
const say = (s: string) => console.log(s);
const ms = (t0: number) => performance.now() - t0;

say(
  `# logs benchmark: ${ENGINE}, ${ROWS.toLocaleString()} rows, ${cpus().length}× ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(2)}`,
);

// 1. ingest through the writer: with the hourly rollup (as the server runs) and logs alone
if (!values['skip-ingest']) {
  say('\n## ingest through the writer\n');
  for (const rollup of [true, false]) {
    const tmp = await freshDatabase(
      ENGINE === 'sqlite' ? { name: 'sqlite' } : { name: 'postgres', url: process.env.TEST_PG_URL },
    );
    const dbs = openDatabases({ sqlDsn: tmp.dsn, sqlitePath: tmp.sqlitePath, logSqlDsn: '' });
    await migrate(dbs);
    const writer = new BatchLogWriter({
      db: dbs.logs.db,
      dialect: dbs.logs.dialect,
      inTransaction: rollup ? (trx, rows) => addToRollup(trx, dbs.logs.dialect, rows) : undefined,
      maxBatchSize: Number(process.env.BENCH_MAX_BATCH) || undefined,
    });
    const N = 300_000;
    const now = Math.floor(Date.now() / 1000);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      writer.write({
        type: LogType.Consume,
        user_id: 1 + (i % 500),
        username: `user-${1 + (i % 500)}`,
        content: 'API call succeeded',
        created_at: now - (N - i),
        token_id: i % 1500,
        token_name: `token-${i % 1500}`,
        model_name: `model-${i % 31}`,
        quota: 100 + (i % 5000),
        prompt_tokens: 10 + (i % 2000),
        completion_tokens: i % 1000,
        channel_id: 1 + (i % 20),
        group: 'default',
        ip: '10.0.0.1',
        request_id: `r${i}`,
        other: { model_ratio: 1, frt: 420 },
      });
      if (i % 10_000 === 9_999) await writer.flush();
    }
    await writer.close();
    const secs = ms(t0) / 1000;
    loop.disable();
    say(
      `${N.toLocaleString()} rows, ${rollup ? 'with the hourly rollup (nearly one bucket per row here: the worst case)' : 'logs alone'}: ${secs.toFixed(2)} s, **${Math.round(N / secs).toLocaleString()} rows/s**; event loop held p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, longest ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    await dbs.close();
    await tmp.drop();
  }
}

if (values['ingest-only']) process.exit(0);

// 2. the big database
let sqlDsn = '';
let sqlitePath = '';
if (ENGINE === 'sqlite') {
  mkdirSync('.bench-data', { recursive: true });
  sqlitePath = `.bench-data/logs-${ROWS}.db`;
} else {
  const base = process.env.TEST_PG_URL;
  if (!base) throw new Error('set TEST_PG_URL');
  const name = `tg_bench_logs_${ROWS}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  sqlDsn = u.toString();
}
const fresh = ENGINE === 'sqlite' ? !existsSync(sqlitePath) : true;
const dbs = openDatabases({ sqlDsn, sqlitePath, logSqlDsn: '' });
await migrate(dbs);
const have = Number(
  (
    await dbs.logs.db
      .selectFrom('logs')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
);
let END = Math.floor(Date.now() / 1000);
if (have !== ROWS) {
  if (have > 0) throw new Error(`the bench database holds ${have} rows, not ${ROWS}: remove it first`);
  say(`\n## generating ${ROWS.toLocaleString()} rows (${fresh ? 'new database' : 'empty database'})`);
  const t0 = performance.now();
  await generateLogs(dbs.logs, ROWS, END, say);
  say(`  done in ${(ms(t0) / 1000).toFixed(0)} s`);
} else {
  const newest = await dbs.logs.db
    .selectFrom('logs')
    .select((eb) => eb.fn.max('created_at').as('m'))
    .executeTakeFirstOrThrow();
  END = Number(newest.m);
  say(
    `\n(reusing the ${ROWS.toLocaleString()}-row database; newest row at ${new Date(END * 1000).toISOString()})`,
  );
}

const config = loadConfig({
  LOG_LEVEL: 'silent',
  SESSION_SECRET: 'bench-session-secret-0123456789',
  SQL_DSN: sqlDsn,
  SQLITE_PATH: sqlitePath || './unused.db',
});
const { app, ctx } = await buildApp({ config, dbs });
await app.ready();
const t = {
  app,
  ctx,
  call: async (o: any) => {
    const r = await app.inject(o);
    return { status: r.statusCode, body: r.json(), headers: r.headers };
  },
} as any;
if (!(await ctx.setup.status()).status)
  await app.inject({
    method: 'POST',
    url: '/api/setup',
    payload: { username: 'root', password: 'bench-password', confirmPassword: 'bench-password' },
  });
const root = await loginActor(t, 'root', 'bench-password');

async function time(
  url: string,
  headers: Record<string, string>,
  n = 40,
): Promise<{ p50: number; p95: number; total?: number }> {
  let total: number | undefined;
  const xs: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url, headers });
    const d = ms(t0);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    if (i >= 5) xs.push(d);
    // parse once, after the timed calls: parsing megabytes each time would load the collector mid-run
    if (i === n + 4) total = res.json().data?.total;
  }
  return { p50: pct(xs, 0.5), p95: pct(xs, 0.95), total };
}

const week = `start_timestamp=${END - 7 * 86_400}&end_timestamp=${END}`;
const filters: Array<[string, string]> = [
  ['none', ''],
  ['type=4 (error)', 'type=4'],
  ['model_name (common)', 'model_name=model-1'],
  ['model_name (rare)', 'model_name=model-29'],
  ['model_name prefix %', 'model_name=model-2%25'],
  ['token_name (of user 1)', 'token_name=token-3'],
  ['group=vip', 'group=vip'],
  ['username (heavy user)', 'username=root'],
  ['channel (rare)', 'channel=19'],
  ['request_id', `request_id=req-${Math.floor(ROWS / 2)}`],
];
const f2 = (x: number) => x.toFixed(1);
if (!values['data-only']) {
  say('\n## /api/log/ and /api/log/self: page 1 (20 rows) + total\n');
  say(
    '| filter | admin, all time p50 / p95 ms | admin, 7 days p50 / p95 ms | self (user 1), 7 days p50 / p95 ms | total (7 days) |',
  );
  say('|---|---|---|---|---|');
  for (const [label, q] of filters) {
    const all = await time(`/api/log/?${q}`, root.headers);
    const wk = await time(`/api/log/?${q}&${week}`, root.headers);
    const self = label.startsWith('username') ? null : await time(`/api/log/self?${q}&${week}`, root.headers);
    say(
      `| ${label} | ${f2(all.p50)} / ${f2(all.p95)} | ${f2(wk.p50)} / ${f2(wk.p95)} | ${self ? `${f2(self.p50)} / ${f2(self.p95)}` : '—'} | ${wk.total} |`,
    );
  }
  const deep = await time(`/api/log/?p=400&${week}`, root.headers, 20);
  say(`\nDeep page (p=400, 7 days): ${f2(deep.p50)} / ${f2(deep.p95)} ms.`);
  const first = JSON.parse(
    (await app.inject({ method: 'GET', url: `/api/log/?p=1&page_size=100&${week}`, headers: root.headers }))
      .body,
  ).data;
  let cursor = first.next_cursor;
  for (let i = 0; i < 50; i++)
    cursor = JSON.parse(
      (
        await app.inject({
          method: 'GET',
          url: `/api/log/?page_size=100&cursor=${cursor}&${week}`,
          headers: root.headers,
        })
      ).body,
    ).data.next_cursor;
  const cur = await time(`/api/log/?page_size=100&cursor=${cursor}&${week}`, root.headers, 20);
  say(`Cursor page 52 of 100 rows (7 days): ${f2(cur.p50)} / ${f2(cur.p95)} ms.`);
}

say('\n## /api/log/stat, search, /api/data/\n');
say('| call | p50 ms | p95 ms |\n|---|---|---|');
for (const [label, url] of [
  ['stat, all time, no filter', '/api/log/stat'],
  ['stat, 7 days', `/api/log/stat?${week}`],
  ['stat, 7 days, username', `/api/log/stat?${week}&username=root`],
  ['stat, 7 days, model', `/api/log/stat?${week}&model_name=model-3`],
  ['stat, 7 days, group', `/api/log/stat?${week}&group=vip`],
  ['self stat, 7 days', `/api/log/self/stat?${week}`],
  ['search "model-29"', '/api/log/search?keyword=model-29'],
  ['/api/data/, 30 days, by hour', `/api/data/?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}`],
  [
    '/api/data/, 30 days, by day (Asia/Tokyo)',
    `/api/data/?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}&granularity=day&tz=Asia/Tokyo`,
  ],
  [
    '/api/data/self, 30 days (user 1)',
    `/api/data/self?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}`,
  ],
] as const) {
  if (values['data-only'] && !label.startsWith('/api/data')) continue;
  const r = await time(url, root.headers, values['data-only'] ? 40 : 20);
  say(`| ${label} | ${f2(r.p50)} | ${f2(r.p95)} |`);
}

// The charts' answers are up to megabytes: app.inject turns each whole body into one JS string (a cost
// no client pays), so they are also timed as a browser gets them, over loopback HTTP (undici, in-process).
const base = await app.listen({ port: 0, host: '127.0.0.1' });
say('\n/api/data/ over loopback HTTP, 100 calls each after 5 warm-up calls:\n');
say('| call | bytes | p50 ms | p95 ms |\n|---|---|---|---|');
for (const [label, url] of [
  ['by hour, 30 days', `/api/data/?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}`],
  [
    'by day (Asia/Tokyo), 30 days',
    `/api/data/?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}&granularity=day&tz=Asia/Tokyo`,
  ],
  ['self (user 1), 30 days', `/api/data/self?start_timestamp=${END - 30 * 86_400}&end_timestamp=${END}`],
] as const) {
  const xs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 105; i++) {
    const t0 = performance.now();
    const res = await request(base + url, { headers: root.headers });
    const body = await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`);
    if (i >= 5) xs.push(ms(t0));
    bytes = body.byteLength;
  }
  say(`| ${label} | ${bytes.toLocaleString()} | ${f2(pct(xs, 0.5))} | ${f2(pct(xs, 0.95))} |`);
}

// 4. delete half while a writer adds 1000 rows/s
if (!values['skip-delete'] && !values['data-only']) {
  const target = END - 45 * 86_400;
  const {
    result: res,
    secs,
    flushes: stalls,
  } = await whileWriting(ctx.logWriter, () =>
    app.inject({ method: 'DELETE', url: `/api/log/?target_timestamp=${target}`, headers: root.headers }),
  );
  const deleted = res.json().data as number;
  say(
    `\n## delete while writing\n\nDELETE /api/log/ before day 45: ${deleted.toLocaleString()} rows in ${secs.toFixed(1)} s (${Math.round(deleted / secs).toLocaleString()} rows/s), while a writer flushed 100 rows every 100 ms (1,000 rows/s): ${stalls.length} writer batches, p50 ${f2(pct(stalls, 0.5))} ms, p99 ${f2(pct(stalls, 0.99))} ms, **longest ${f2(Math.max(...stalls))} ms**.`,
  );
}
await app.close();
await dbs.close();
if (!values['skip-delete'] && !values['data-only'] && ENGINE === 'sqlite')
  for (const f of ['', '-wal', '-shm']) rmSync(sqlitePath + f, { force: true });
if (!values['skip-delete'] && !values['data-only'] && ENGINE === 'postgres')
  say('(the PostgreSQL bench database now holds half the rows: drop it before the next run)');
