import type { Kysely } from 'kysely';

/**
 * Indexes for the selective log filters, each (filter, created_at, id), so a filtered page walks one
 * index range newest first and stops after the page (and the capped count after 10,001 entries):
 * model_name, token_name, channel_id (admin `channel`). Not indexed, on purpose: `group` (a handful of
 * values, so the created_at range with a filter is as good) and token_id (`/api/log/token` narrows by the
 * token's user first), and the user index widens to cover user views' filters. Every index costs the writer: with 9 indexes SQLite took 50k rows/s, with 4 148k
 * (docs/PERFORMANCE.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column] of [
    ['logs_model_idx', 'model_name'],
    ['logs_token_name_idx', 'token_name'],
    ['logs_channel_idx', 'channel_id'],
  ] as const)
    await db.schema
      .createIndex(name)
      .ifNotExists()
      .on('logs')
      .columns([column, 'created_at', 'id'])
      .execute();
}
