import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * The site-wide rollup: one row per (UTC hour, model, group), summed over every user, token and channel.
 * The admin chart (`/api/data/` without filters) and site-wide stats read at most hours × models × groups
 * rows from it instead of one row per (user, token, channel) combination in `quota_data`. Written in the
 * same transaction. `quota_data` gains the group as a key part too, so `/api/log/stat` can answer a group
 * filter from whole hours.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await d
    .addId(db.schema.createTable('quota_data_model').ifNotExists())
    .addColumn('model_name', 'varchar(191)', (c) => c.notNull())
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo(''))
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
    .columns(['created_at', 'model_name', 'group'])
    .execute();

  await db.schema
    .alterTable('quota_data')
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('quota_data_bucket_key')
    .ifNotExists()
    .unique()
    .on('quota_data')
    .columns(['user_id', 'created_at', 'model_name', 'token_id', 'channel_id', 'group'])
    .execute();
  await d.dropIndex(db, 'quota_data', 'quota_data_bucket_uq');
}
