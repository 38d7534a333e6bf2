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

/** What `SqlDialect.insertRows` is: many rows in one statement (ON CONFLICT clause and all in `suffix`). */
export type RowsInserter = (
  db: Kysely<any>,
  table: string,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  suffix?: string,
) => Promise<void>;

/** `INSERT … ON CONFLICT (unique) DO UPDATE SET c = table.c + excluded.c` (SQLite and PostgreSQL). */
export function onConflictAdder(insert: RowsInserter, q: (id: string) => string) {
  return async (
    db: Kysely<any>,
    table: string,
    rows: Record<string, unknown>[],
    uniqueColumns: string[],
    addColumns: string[],
  ): Promise<void> => {
    if (rows.length === 0) return;
    const set = addColumns.map((c) => `${q(c)} = ${q(table)}.${q(c)} + excluded.${q(c)}`).join(', ');
    await insert(
      db,
      table,
      Object.keys(rows[0]),
      rows,
      ` ON CONFLICT (${uniqueColumns.map(q).join(', ')}) DO UPDATE SET ${set}`,
    );
  };
}
