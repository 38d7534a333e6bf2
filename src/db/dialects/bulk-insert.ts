import { CompiledQuery, type Kysely } from 'kysely';

/**
 * Multi-row INSERT from SQL text built once per (table, columns, row count) and cached, skipping
 * Kysely's query building and compiling — which, for 500 rows × 19 columns, cost more than SQLite's
 * own work (the log writer went from 29k to the figures in docs/PERFORMANCE.md). Values are bound
 * parameters as always; only the text is reused.
 */
export function bulkInserter(quote: (id: string) => string, placeholder: (i: number) => string) {
  const texts = new Map<string, string>();
  return async function insertRows(
    db: Kysely<any>,
    table: string,
    columns: readonly string[],
    rows: readonly Record<string, unknown>[],
    /** e.g. an ON CONFLICT clause; part of the cached text */
    suffix = '',
  ): Promise<void> {
    if (rows.length === 0) return;
    const key = `${table}\u0000${columns.join(',')}\u0000${rows.length}\u0000${suffix}`;
    let text = texts.get(key);
    if (!text) {
      const tuples: string[] = [];
      for (let r = 0; r < rows.length; r++)
        tuples.push(`(${columns.map((_, c) => placeholder(r * columns.length + c + 1)).join(', ')})`);
      text = `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}${suffix}`;
      texts.set(key, text);
    }
    const params: unknown[] = new Array(rows.length * columns.length);
    let i = 0;
    for (const row of rows) for (const c of columns) params[i++] = row[c] ?? null;
    await db.executeQuery(CompiledQuery.raw(text, params));
  };
}
