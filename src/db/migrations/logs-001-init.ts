import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * Log database, first version: logs and their hourly rollup. Log indexes are shaped
 * (filter, created_at, id) so every list walks one index range in `created_at DESC, id DESC` order.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await d
    .addId(db.schema.createTable('logs').ifNotExists())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('token_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('token_name', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('model_name', 'varchar(191)', (c) => c.notNull().defaultTo(''))
    .addColumn('quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('use_time', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_stream', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('channel_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('request_id', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('other', 'text', (c) => c.notNull())
    .execute();
  // admin list without filters; retention/DELETE batches walk it oldest first.
  await db.schema
    .createIndex('logs_created_idx')
    .ifNotExists()
    .on('logs')
    .columns(['created_at', 'id'])
    .execute();
  // /self lists and stats (every user view is forced to one user_id).
  await db.schema
    .createIndex('logs_user_idx')
    .ifNotExists()
    .on('logs')
    .columns(['user_id', 'created_at', 'id'])
    .execute();
  // type filter, and stats (always type = 2) over a time range / the last minute.
  await db.schema
    .createIndex('logs_type_idx')
    .ifNotExists()
    .on('logs')
    .columns(['type', 'created_at', 'id'])
    .execute();
  // request_id lookup (exact).
  await db.schema.createIndex('logs_request_idx').ifNotExists().on('logs').column('request_id').execute();

  await d
    .addId(db.schema.createTable('quota_data').ifNotExists())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('model_name', 'varchar(191)', (c) => c.notNull())
    .addColumn('token_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('channel_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('token_used', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // the atomic-add key; also serves /api/data/self (user_id, created_at range).
  await db.schema
    .createIndex('quota_data_bucket_uq')
    .ifNotExists()
    .unique()
    .on('quota_data')
    .columns(['user_id', 'created_at', 'model_name', 'token_id', 'channel_id'])
    .execute();
  // /api/data/ over all users: a created_at range.
  await db.schema
    .createIndex('quota_data_created_idx')
    .ifNotExists()
    .on('quota_data')
    .columns(['created_at', 'model_name'])
    .execute();
}
