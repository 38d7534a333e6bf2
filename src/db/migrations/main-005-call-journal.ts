import type { Kysely } from 'kysely';

/**
 * The reservation journal (CONTRACT §12). A relay call's reservation inserts a `pending_calls` row in the same
 * transaction as the quota update; settling the call deletes it in the same transaction as the quota
 * difference. A row whose owner (an instance, heartbeating in `relay_instances`) is gone is an orphan of
 * a crash: it is settled from the call's log when one was written, else billed as reserved and logged as
 * interrupted. The row's existence is also what makes a settlement apply once, so the batch ids of
 * migration 004 are no longer needed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pending_calls')
    .ifNotExists()
    .addColumn('request_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('owner', 'varchar(32)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('token_id', 'integer', (c) => c.notNull())
    .addColumn('limited', 'smallint', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // what the "interrupted" log needs when the call never got to write its own
    .addColumn('username', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('token_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('group', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('path', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('is_stream', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('rollup', 'smallint', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('pending_calls_owner_idx')
    .ifNotExists()
    .on('pending_calls')
    .column('owner')
    .execute();
  await db.schema
    .createTable('relay_instances')
    .ifNotExists()
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.dropTable('ledger_batches').ifExists().execute();
}
