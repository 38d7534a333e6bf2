import type { Kysely } from 'kysely';

/**
 * Log batches written, by id: a batch whose COMMIT outcome was unknown (a statement timeout on a frozen
 * database), or that was spooled at shutdown after such a COMMIT, is skipped when it had landed, so no
 * call gets two logs nor counts twice in the rollup. Rows older than a day are removed by the writer.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('log_batches')
    .ifNotExists()
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
