import { type Kysely, sql } from 'kysely';

/** Statements SQLite and PostgreSQL write the same way: RETURNING and `INSERT … ON CONFLICT`. */

export async function returningInsertId(
  db: Kysely<any>,
  table: string,
  values: Record<string, unknown>,
): Promise<number> {
  const row = await db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function onConflictReplace(
  db: Kysely<any>,
  table: string,
  row: Record<string, unknown>,
  uniqueColumns: string[],
  setColumns: string[],
): Promise<void> {
  await db
    .insertInto(table)
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(uniqueColumns as any)
        .doUpdateSet(Object.fromEntries(setColumns.map((c) => [c, sql`excluded.${sql.ref(c)}`]))),
    )
    .execute();
}
