import type { Kysely } from 'kysely';

/**
 * Settlement batches applied, by id: a batch whose COMMIT outcome was unknown (a statement timeout on a
 * frozen database) is retried with its id and skipped if it had landed, so quota is never settled
 * twice. Rows older than a day are removed by the relay.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ledger_batches')
    .ifNotExists()
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
