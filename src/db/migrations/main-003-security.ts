import { type Kysely, sql } from 'kysely';
import type { SqlDialect } from '../dialects/types.ts';

/**
 * CONTRACT §10. Token keys stop being stored in clear: `key` becomes a keyed hash (the lookup), `key_enc` the
 * encrypted key (shown again on request), `key_hint` the masked form for lists. Existing rows keep their
 * plain key with `key_enc` null until the app converts them at start (it holds the secret; SQL does not).
 * `session_version` ends every session of a user when bumped. Usernames become unique ignoring case,
 * unless existing rows already differ only in case (then the app's check alone guards new names).
 */
export async function up(db: Kysely<any>, d: SqlDialect): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('key_enc', 'text').execute();
  await db.schema
    .alterTable('tokens')
    .addColumn('key_hint', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('users')
    .addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  const clash = await sql`SELECT 1 FROM users GROUP BY lower(username) HAVING count(*) > 1`.execute(db);
  if (clash.rows.length === 0) await d.caseInsensitiveUnique(db, 'users', 'users_username_ci_uq', 'username');
}
