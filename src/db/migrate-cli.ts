import { loadConfig } from '../config.ts';
import { openDatabases } from './connect.ts';
import { migrate } from './migrate.ts';

/** `npm run db:migrate`: brings the configured databases to the latest schema, then exits. */
const dbs = openDatabases(loadConfig());
try {
  const applied = await migrate(dbs);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
} finally {
  await dbs.close();
}
