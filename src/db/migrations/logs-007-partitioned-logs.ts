import { type Kysely, sql } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';
import { createStaging, isPartitioned, swapInStaging } from '../log-partitions.ts';

/**
 * PostgreSQL: `logs` partitioned by week (src/db/log-partitions.ts; the server creates the weeks).
 * Done here only while the table is empty (a new installation, or one that never logged): a table with
 * rows is moved by `npm run logs:partition`, which copies in batches while the server runs, and the
 * server says so at start until then. SQLite and MySQL keep one table.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  if (d.kind !== 'postgres' || (await isPartitioned(db))) return;
  const any = await sql`SELECT 1 FROM logs LIMIT 1`.execute(db);
  if (any.rows.length > 0) return;
  // the same build and swap as the move of a table with rows, with nothing to copy
  await createStaging(db);
  await swapInStaging(db);
}
