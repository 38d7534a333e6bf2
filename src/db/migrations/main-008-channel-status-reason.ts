import type { Kysely } from 'kysely';

/**
 * Why and when a channel's status last changed (New API keeps the same in `channels.other_info`
 * as `status_reason` / `status_time`): the relay's answer that disabled it automatically, shown on the
 * channels page; cleared when an admin or a passing test changes the status.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('channels')
    .addColumn('status_reason', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('channels')
    .addColumn('status_time', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
