/**
 * `npm run bench -- partitions [--rows 30000000]`: on the PostgreSQL database `bench logs` left behind
 * (`tg_bench_logs_<rows>`, TEST_PG_URL; any number of rows left in it), what a writer adding 100 rows every
 * 100 ms waits while logs are deleted, in two separate steps:
 * 1. whole weeks dropped (DETACH under its lock timeout, DROP), up to a week boundary;
 * 2. the batched delete inside one week (the part of a cutoff that falls mid-week), three days of it.
 * Each step prints the rows gone, the time, and the writer's batches (p50, p99, longest), after the same
 * figures for a few seconds of the writer alone (the engine's own commit jitter on this machine).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabases } from '../src/db/connect.ts';
import { LogPartitions, weekStart } from '../src/db/log-partitions.ts';
import { pct, whileWriting } from './_writer.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '30000000' } } });
const base = process.env.TEST_PG_URL;
if (!base) throw new Error('set TEST_PG_URL');
const u = new URL(base);
u.pathname = `/tg_bench_logs_${values.rows}`;
const dbs = openDatabases({ sqlDsn: u.toString(), sqlitePath: '', logSqlDsn: '' });
const config = loadConfig({
  LOG_LEVEL: 'silent',
  SESSION_SECRET: 'bench-session-secret-0123456789',
  SQL_DSN: u.toString(),
});
const { app, ctx } = await buildApp({ config, dbs });
await app.ready();
const parts = new LogPartitions(dbs.logs);
if (!(await parts.active())) throw new Error(`${u.pathname.slice(1)} is not partitioned`);
const span = await dbs.logs.db
  .selectFrom('logs')
  .select((eb) => [eb.fn.min('created_at').as('lo'), eb.fn.max('created_at').as('hi')])
  .executeTakeFirstOrThrow();
const lo = Number(span.lo);
const hi = Number(span.hi);
console.log(
  `# partition deletes: ${u.pathname.slice(1)}, rows from ${new Date(lo * 1000).toISOString()} to ${new Date(hi * 1000).toISOString()}; ${cpus().length}× ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(2)}`,
);

async function step(label: string, work: () => Promise<number>): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000)); // a pause between steps
  const { result: gone, secs, flushes } = await whileWriting(ctx.logWriter, work);
  const f = (x: number) => x.toFixed(1);
  console.log(
    `${label}: ${gone.toLocaleString()} rows in ${secs.toFixed(2)} s; writer batches ${flushes.length}, p50 ${f(pct(flushes, 0.5))} ms, p99 ${f(pct(flushes, 0.99))} ms, longest ${f(Math.max(...flushes))} ms`,
  );
}

// 0. the writer alone
await step('the writer alone, 3 s', async () => {
  await new Promise((r) => setTimeout(r, 3000));
  return 0;
});
// 1. whole weeks: up to the second week boundary after the oldest row
const boundary = weekStart(lo) + 14 * 86_400;
await step(`drop whole weeks before ${new Date(boundary * 1000).toISOString().slice(0, 10)}`, () =>
  parts.dropBefore(boundary),
);
// 2. inside one week: three days of rows deleted in batches
await step(
  `batched delete of three days inside the week of ${new Date(boundary * 1000).toISOString().slice(0, 10)}`,
  () => ctx.logs.deleteBefore(boundary + 3 * 86_400),
);
await app.close();
await dbs.close();
