import type { Kysely } from 'kysely';

/**
 * One index per remaining log filter, each (filter, created_at, id), so a filtered page walks one index
 * range newest first and stops after the page (and the capped count after 10,001 entries):
 * model_name, token_name, group, channel_id (admin `channel`), token_id (`/api/log/token`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column] of [
    ['logs_model_idx', 'model_name'],
    ['logs_token_name_idx', 'token_name'],
    ['logs_group_idx', 'group'],
    ['logs_channel_idx', 'channel_id'],
    ['logs_token_idx', 'token_id'],
  ] as const)
    await db.schema
      .createIndex(name)
      .ifNotExists()
      .on('logs')
      .columns([column, 'created_at', 'id'])
      .execute();
}
