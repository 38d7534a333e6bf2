import { type Kysely, sql } from 'kysely';

/**
 * Every model name that has a log, so that a `model_name` filter with `%` is answered as an indexed
 * `IN (…)` of the few hundred names it matches (issue 20) instead of a LIKE over every row. Written in the
 * log writer's transaction (and by the importer); names of deleted logs stay (they match no row: harmless).
 * `log_count` counts the logs written with the name since (an approximation, never read for results).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('log_models')
    .ifNotExists()
    .addColumn('model_name', 'varchar(191)', (c) => c.primaryKey())
    .addColumn('log_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // the names already logged: one walk of logs_model_idx (seconds at ten million rows)
  await sql`INSERT INTO log_models (model_name, log_count) SELECT model_name, COUNT(*) FROM logs GROUP BY model_name`.execute(
    db,
  );
}
