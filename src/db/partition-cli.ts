import { loadConfig } from '../config.ts';
import { openDatabases } from './connect.ts';
import { partitionExisting } from './log-partitions.ts';
import { migrate } from './migrate.ts';

/**
 * `npm run logs:partition`: moves a PostgreSQL log table from before partitioning into week partitions
 * (src/db/log-partitions.ts). The server may keep running; log writes pause only for the final swap.
 * Prints progress; safe to rerun (an interrupted copy starts over, a finished one says so).
 */
const dbs = openDatabases(loadConfig());
try {
  if (dbs.logs.dialect.kind !== 'postgres') {
    console.log('logs are partitioned on PostgreSQL only; SQLite and MySQL keep one table: nothing to do');
  } else {
    await migrate(dbs);
    const t0 = Date.now();
    let shown = 0;
    const out = await partitionExisting(dbs.logs, {
      onProgress: ({ copied, total }) => {
        if (Date.now() - shown < 1000) return;
        shown = Date.now();
        const pct = total > 0 ? ` (~${Math.min(100, Math.round((100 * copied) / total))} %)` : '';
        console.log(`copied ${copied} of ~${total} rows${pct}`);
      },
    });
    if (out === 'already') console.log('logs are partitioned already: nothing to do');
    else
      console.log(
        `done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${out.copied} rows in ${out.partitions} week partitions (older ones in logs_default until the server's upkeep gives them weeks)`,
      );
  }
} finally {
  await dbs.close();
}
