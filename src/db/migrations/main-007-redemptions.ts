import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * Redemption codes (CONTRACT §6, New API's `redemptions`). The code itself is stored as tokens are (CONTRACT §10):
 * `key` is its keyed hash (the lookup, unique), `key_enc` an encrypted copy for the admin list, `key_hint`
 * a masked form; a database file alone redeems nothing. Status 1 unused, 2 disabled, 3 used; a code past
 * `expired_time` (0: never) cannot be redeemed.
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await d
    .addId(db.schema.createTable('redemptions').ifNotExists())
    .addColumn('user_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('key_enc', 'text')
    .addColumn('key_hint', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('name', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('quota', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('redeemed_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('used_user_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expired_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('redemptions_name_idx')
    .ifNotExists()
    .on('redemptions')
    .column('name')
    .execute();
}
