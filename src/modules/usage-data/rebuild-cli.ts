/**
 * `npm run data:rebuild -- --from <time> --to <time>`: recomputes the hourly usage rollups from the
 * consume logs for that range (times as Unix seconds or ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00Z),
 * for operators who imported logs or turned DataExportEnabled back on. Uses the same environment as the
 * server (SQL_DSN, LOG_SQL_DSN, SQLITE_PATH). Prints one line per day rebuilt.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { openDatabases } from '../../db/connect.ts';
import { migrate } from '../../db/migrate.ts';
import { rebuildRollup } from './rebuild.ts';

function time(name: string, v: string | undefined): number {
  if (!v) throw new Error(`--${name} is required (Unix seconds or an ISO 8601 date)`);
  const t = /^\d+$/.test(v) ? Number(v) : Math.floor(Date.parse(v) / 1000);
  if (!Number.isFinite(t)) throw new Error(`--${name} ${v}: not Unix seconds or an ISO 8601 date`);
  return t;
}

try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  const from = time('from', values.from);
  const to = time('to', values.to);
  if (from >= to) throw new Error('--from must be before --to');
  const dbs = openDatabases(loadConfig());
  try {
    await migrate(dbs);
    const started = Date.now();
    const { buckets } = await rebuildRollup(dbs.logs, from, to, (d) =>
      console.log(
        `${new Date(d.dayStart * 1000).toISOString().slice(0, 10)}  ${d.buckets} buckets  (${d.daysDone}/${d.daysTotal})`,
      ),
    );
    console.log(`rebuilt ${buckets} buckets in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await dbs.close();
  }
} catch (err) {
  console.error(`data:rebuild: ${(err as Error).message}`);
  process.exit(1);
}
