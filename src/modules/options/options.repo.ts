import type { DbHandle } from '../../db/connect.ts';
import type { MainDatabase } from '../../db/schema.ts';

export class OptionsRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  async all(): Promise<Map<string, string>> {
    const rows = await this.h.db.selectFrom('options').select(['key', 'value']).execute();
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.h.db
      .selectFrom('options')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.h.dialect.upsertReplace(this.h.db, 'options', { key, value }, ['key'], ['value']);
  }

  async remove(key: string): Promise<void> {
    await this.h.db.deleteFrom('options').where('key', '=', key).execute();
  }
}
