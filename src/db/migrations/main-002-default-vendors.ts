import type { Kysely } from 'kysely';

/**
 * The well-known vendors, so a model's vendor can be inferred from its name (modules/catalog/vendor-infer.ts)
 * without writing on reads. The list is frozen here, as migrations are.
 */
const DEFAULT_VENDORS = [
  'OpenAI',
  'Anthropic',
  'Google',
  'DeepSeek',
  'Alibaba',
  'Meta',
  'Mistral',
  'xAI',
  'Moonshot',
  'Zhipu',
];

export async function up(db: Kysely<any>): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const existing = new Set(
    (await db.selectFrom('vendors').select('name').execute()).map((r: { name: string }) => r.name),
  );
  const rows = DEFAULT_VENDORS.filter((name) => !existing.has(name)).map((name) => ({
    name,
    description: '',
    icon: '',
    status: 1,
    created_time: now,
    updated_time: now,
  }));
  if (rows.length > 0) await db.insertInto('vendors').values(rows).execute();
}
