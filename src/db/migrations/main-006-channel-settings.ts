import { type Kysely, sql } from 'kysely';

/**
 * `channels.settings`: a JSON object of per-channel settings, New API's column of the same name (its
 * "other settings"). Tollgate reads the upstream time limits from it (`relay_timeout`,
 * `stream_first_byte_timeout`, `stream_idle_timeout`, seconds) and keeps every other key as it is, so a
 * New API import loses nothing. Nullable: MySQL gives TEXT columns no default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channels').addColumn('settings', 'text').execute();
  await sql`UPDATE channels SET settings = '' WHERE settings IS NULL`.execute(db);
}
