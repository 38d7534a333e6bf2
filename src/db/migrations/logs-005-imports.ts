import type { Kysely } from 'kysely';

/**
 * How far an import has come (`npm run import:newapi`): the last source log id copied, written in the
 * same transaction as the rows, so an interrupted import resumes where it stopped and never copies a
 * log twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imports')
    .ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
