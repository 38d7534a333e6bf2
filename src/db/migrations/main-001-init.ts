import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * Main database, first version: every table the contract needs outside the logs. Each index names
 * the query it serves.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await d
    .addId(db.schema.createTable('users').ifNotExists())
    .addColumn('username', 'varchar(64)', (c) => c.notNull())
    .addColumn('password', 'varchar(255)', (c) => c.notNull())
    .addColumn('display_name', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('role', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('email', 'varchar(128)', (c) => c.notNull().defaultTo(''))
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo('default'))
    .addColumn('quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('used_quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('request_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('access_token_hash', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  // login, register duplicate check: username stays taken after a soft delete.
  await db.schema
    .createIndex('users_username_uq')
    .ifNotExists()
    .unique()
    .on('users')
    .column('username')
    .execute();
  // dashboard auth by access token: one indexed equality per request.
  await db.schema
    .createIndex('users_access_token_uq')
    .ifNotExists()
    .unique()
    .on('users')
    .column('access_token_hash')
    .execute();

  await d
    .addId(db.schema.createTable('tokens').ifNotExists())
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('key', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('accessed_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('expired_time', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('remain_quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unlimited_quota', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('model_limits_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('model_limits', 'text', (c) => c.notNull())
    .addColumn('allow_ips', 'text', (c) => c.notNull())
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  // relay auth: key equality, once per request (cached above it).
  await db.schema.createIndex('tokens_key_uq').ifNotExists().unique().on('tokens').column('key').execute();
  // a user's token list, newest first, paged.
  await db.schema
    .createIndex('tokens_user_id_idx')
    .ifNotExists()
    .on('tokens')
    .columns(['user_id', 'id'])
    .execute();

  await d
    .addId(db.schema.createTable('channels').ifNotExists())
    .addColumn('type', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('base_url', 'varchar(512)', (c) => c.notNull().defaultTo(''))
    .addColumn('models', d.longText, (c) => c.notNull())
    .addColumn('group', 'text', (c) => c.notNull())
    .addColumn('model_mapping', 'text', (c) => c.notNull())
    .addColumn('priority', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('used_quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('response_time', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('test_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('tag', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('remark', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('abilities')
    .ifNotExists()
    .addColumn('group', 'varchar(64)', (c) => c.notNull())
    .addColumn('model', 'varchar(191)', (c) => c.notNull())
    .addColumn('channel_id', 'bigint', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('priority', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('abilities_pk', ['group', 'model', 'channel_id'])
    .execute();
  // routing: enabled channels for (group, model), highest priority first.
  await db.schema
    .createIndex('abilities_route_idx')
    .ifNotExists()
    .on('abilities')
    .columns(['group', 'model', 'enabled', 'priority'])
    .execute();
  // keeping the table in step when one channel changes.
  await db.schema
    .createIndex('abilities_channel_idx')
    .ifNotExists()
    .on('abilities')
    .column('channel_id')
    .execute();

  await db.schema
    .createTable('options')
    .ifNotExists()
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', d.longText, (c) => c.notNull())
    .execute();

  await d
    .addId(db.schema.createTable('vendors').ifNotExists())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('icon', 'varchar(512)', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('vendors_name_uq')
    .ifNotExists()
    .unique()
    .on('vendors')
    .column('name')
    .execute();

  await d
    .addId(db.schema.createTable('model_meta').ifNotExists())
    .addColumn('model_name', 'varchar(191)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('icon', 'varchar(512)', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('vendor_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('model_meta_name_uq')
    .ifNotExists()
    .unique()
    .on('model_meta')
    .column('model_name')
    .execute();

  await d
    .addId(db.schema.createTable('setup').ifNotExists())
    .addColumn('version', 'varchar(32)', (c) => c.notNull())
    .addColumn('initialized_at', 'bigint', (c) => c.notNull())
    .execute();
}
