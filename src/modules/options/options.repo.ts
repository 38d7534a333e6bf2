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

  /** Inserts only when absent; returns the value that is stored afterwards (first writer wins). */
  async setIfAbsent(key: string, value: string): Promise<string> {
    try {
      await this.h.db.insertInto('options').values({ key, value }).execute();
    } catch {
      // another instance stored it first
    }
    return (await this.get(key)) ?? value;
  }
}
