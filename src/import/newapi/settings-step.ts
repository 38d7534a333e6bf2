/** Options, vendors and model metadata, and the setup row. */
import { sql } from 'kysely';
import { isSettableOption, OPTION_VALIDATORS } from '../../modules/options/options.validators.ts';
import type { NewApiImporter } from './importer.ts';
import { int, isDeleted, str } from './source.ts';

/** New API option names stored under a module prefix → Tollgate's. */
const OPTION_RENAMES: Record<string, string> = {
  'general_setting.docs_link': 'DocsLink',
  'general_setting.quota_display_type': 'QuotaDisplayType',
};

export async function importOptions(run: NewApiImporter): Promise<void> {
  const r = run.table('options');
  if ((await run.src.columns('options')).size === 0) return;
  const rows = await run.src.db
    .selectFrom('options')
    .select([sql.ref('key').as('key'), sql.ref('value').as('value')])
    .execute();
  const current = new Map(
    (await run.dbs.main.db.selectFrom('options').select(['key', 'value']).execute()).map((o) => [
      o.key,
      o.value,
    ]),
  );
  const unknown: string[] = [];
  for (const o of rows) {
    r.source += 1;
    const key = OPTION_RENAMES[str(o.key)] ?? str(o.key);
    let value = str(o.value);
    if (key === 'QuotaPerUnit') value = String(Math.round(Number(value)));
    if (!isSettableOption(key)) {
      unknown.push(str(o.key));
      run.noteSkipped(r, 'not a Tollgate option');
      continue;
    }
    const problem = OPTION_VALIDATORS[key]?.(value) ?? null;
    if (problem) {
      run.noteSkipped(r, `invalid for Tollgate (${key}: ${problem})`);
      continue;
    }
    if (current.get(key) === value) {
      r.present += 1;
      continue;
    }
    if (!run.o.dryRun)
      await run.dbs.main.dialect.upsertReplace(
        run.dbs.main.db,
        'options',
        { key, value },
        ['key'],
        ['value'],
      );
    r.imported += 1;
  }
  if (unknown.length > 0) run.o.note?.(`options not used by Tollgate: ${unknown.sort().join(', ')}`);
}

/** Vendors matched by name (Tollgate ships its own list), model metadata by model name. */
export async function importVendorsAndModels(run: NewApiImporter): Promise<void> {
  const vr = run.table('vendors');
  const mr = run.table('models');
  const vendorId = new Map<number, number>();
  const main = run.dbs.main;
  if ((await run.src.columns('vendors')).size > 0) {
    const mine = new Map(
      (await main.db.selectFrom('vendors').select(['id', 'name']).execute()).map((v) => [
        v.name.toLowerCase(),
        v.id,
      ]),
    );
    for await (const v of run.rowsOf('vendors', [
      'id',
      'name',
      'description',
      'icon',
      'status',
      'created_time',
      'updated_time',
      'deleted_at',
    ])) {
      vr.source += 1;
      if (isDeleted(v)) {
        run.noteSkipped(vr, 'deleted in New API');
        continue;
      }
      const found = mine.get(str(v.name).toLowerCase());
      if (found !== undefined) {
        vendorId.set(int(v.id), found);
        vr.present += 1;
        continue;
      }
      vr.imported += 1;
      if (run.o.dryRun) continue;
      const id = await main.dialect.insertId(main.db, 'vendors', {
        name: str(v.name).slice(0, 128),
        description: str(v.description),
        icon: str(v.icon),
        status: int(v.status, 1),
        created_time: int(v.created_time),
        updated_time: int(v.updated_time),
      });
      vendorId.set(int(v.id), id);
      mine.set(str(v.name).toLowerCase(), id);
    }
  }
  if ((await run.src.columns('models')).size === 0) return;
  const known = new Set(
    (await main.db.selectFrom('model_meta').select('model_name').execute()).map((m) => m.model_name),
  );
  for await (const m of run.rowsOf('models', [
    'id',
    'model_name',
    'description',
    'icon',
    'tags',
    'vendor_id',
    'status',
    'created_time',
    'updated_time',
    'deleted_at',
  ])) {
    mr.source += 1;
    const name = str(m.model_name);
    if (isDeleted(m)) {
      run.noteSkipped(mr, 'deleted in New API');
      continue;
    }
    if (known.has(name)) {
      mr.present += 1;
      continue;
    }
    known.add(name);
    mr.imported += 1;
    if (run.o.dryRun) continue;
    await main.db
      .insertInto('model_meta')
      .values({
        model_name: name,
        description: str(m.description),
        icon: str(m.icon),
        tags: str(m.tags),
        vendor_id: vendorId.get(int(m.vendor_id)) ?? 0,
        status: int(m.status, 1),
        created_time: int(m.created_time),
        updated_time: int(m.updated_time),
      })
      .execute();
  }
}

/** A root among the imported users means the system is set up (else the setup wizard would show). */
export async function markSetUp(run: NewApiImporter): Promise<void> {
  if (run.o.dryRun) return;
  const main = run.dbs.main.db;
  if (await main.selectFrom('setup').select('id').executeTakeFirst()) return;
  const root = await main
    .selectFrom('users')
    .select('id')
    .where('role', '>=', 100)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (root)
    await main
      .insertInto('setup')
      .values({
        id: 1,
        version: 'imported from New API',
        initialized_at: Math.floor(Date.now() / 1000),
      } as any)
      .execute();
}
