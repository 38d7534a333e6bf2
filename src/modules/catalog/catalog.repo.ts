import type { Selectable } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import type { MainDatabase, ModelMetaTable, VendorsTable } from '../../db/schema.ts';

export type Vendor = Selectable<VendorsTable>;
export type ModelMeta = Selectable<ModelMetaTable>;
type Table = 'vendors' | 'model_meta';

/** Vendors and model metadata: small tables (hundreds of rows), read whole for the pricing cache. */
export class CatalogRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  vendors(): Promise<Vendor[]> {
    return this.h.db.selectFrom('vendors').selectAll().orderBy('id').execute();
  }

  metas(): Promise<ModelMeta[]> {
    return this.h.db.selectFrom('model_meta').selectAll().orderBy('id').execute();
  }

  vendor(id: number): Promise<Vendor | undefined> {
    return this.h.db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
  }

  meta(id: number): Promise<ModelMeta | undefined> {
    return this.h.db.selectFrom('model_meta').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Index vendors_name_uq / model_meta_name_uq. */
  async idByName(table: Table, name: string): Promise<number | undefined> {
    const column = table === 'vendors' ? 'name' : 'model_name';
    const row = await this.h.db
      .selectFrom(table)
      .select('id')
      .where(column as 'name', '=', name)
      .executeTakeFirst();
    return row?.id;
  }

  insert(table: Table, row: Record<string, unknown>): Promise<number> {
    return this.h.dialect.insertId(this.h.db, table, row);
  }

  async update(table: Table, id: number, patch: Record<string, unknown>): Promise<void> {
    await this.h.db.updateTable(table).set(patch).where('id', '=', id).execute();
  }

  async delete(table: Table, id: number): Promise<boolean> {
    const res = await this.h.db.deleteFrom(table).where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
