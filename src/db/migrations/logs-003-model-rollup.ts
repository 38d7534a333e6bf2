import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * The site-wide rollup: one row per (UTC hour, model), summed over every user, token and channel. The
 * admin chart (`/api/data/` without filters) reads at most hours × models rows from it instead of one
 * row per (user, token, channel) combination in `quota_data`. Written in the same transaction.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await d
    .addId(db.schema.createTable('quota_data_model').ifNotExists())
    .addColumn('model_name', 'varchar(191)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('token_used', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // the atomic-add key, and the admin chart's range scan (created_at first).
  await db.schema
    .createIndex('quota_data_model_uq')
    .ifNotExists()
    .unique()
    .on('quota_data_model')
    .columns(['created_at', 'model_name'])
    .execute();
}
