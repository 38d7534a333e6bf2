import type { Kysely, Selectable } from 'kysely';
import type { DbHandle } from '../../db/connect.ts';
import { escapeLike } from '../../db/dialects/types.ts';
import type { ChannelsTable, MainDatabase } from '../../db/schema.ts';
import type { Candidate } from '../../shared/channel.ts';

export type ChannelRow = Selectable<ChannelsTable>;
/** A channel as every answer shows it: the `key` column is never selected for answers. */
export type PublicChannel = Omit<ChannelRow, 'key'>;
export type NewChannel = Omit<ChannelRow, 'id'>;

const PUBLIC_COLUMNS = [
  'id',
  'type',
  'name',
  'base_url',
  'models',
  'group',
  'model_mapping',
  'priority',
  'weight',
  'status',
  'used_quota',
  'response_time',
  'test_time',
  'tag',
  'remark',
  'created_time',
  'settings',
  'status_reason',
  'status_time',
] as const;

export interface ChannelListFilter {
  status?: number;
  type?: number;
  group?: string;
  model?: string;
  keyword?: string;
  /** exactly this tag */
  tag?: string;
  offset: number;
  limit: number;
}

/** What the relay reads to route one (group, model): a candidate with its stored (encrypted) key. */
export type RouteRow = Omit<Candidate, 'limits'> & { settings: string | null };

/** Rows per INSERT into abilities: 6 bound parameters each stays far under every engine's limit. */
const ABILITY_ROWS_PER_STATEMENT = 500;

const split = (list: string) => list.split(',').filter(Boolean);

/**
 * Channels and their serving table (`abilities`: one row per group × model). Every write that changes
 * what a channel serves rewrites its abilities in the same transaction, so routing never sees a channel
 * half-updated.
 */
export class ChannelsRepo {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  private get db() {
    return this.h.db;
  }

  findById(id: number): Promise<PublicChannel | undefined> {
    return this.db.selectFrom('channels').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /** id → name for the channels of a page of logs (logs may live in another database: no join). */
  async namesByIds(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('channels').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Every (model, group) an enabled channel serves: what /api/pricing lists.
   * Reads the serving table whole (models × groups × channels rows; cached by the caller).
   */
  served(): Promise<Array<{ model: string; group: string }>> {
    return this.db
      .selectFrom('abilities as a')
      .innerJoin('channels as c', 'c.id', 'a.channel_id')
      .select(['a.model', 'a.group'])
      .where('a.enabled', '=', 1)
      .where('c.status', '=', 1)
      .distinct()
      .execute();
  }

  /** Models that enabled channels serve in any of these groups (every group when `groups` is undefined). */
  async servedModels(groups?: string[]): Promise<string[]> {
    if (groups && groups.length === 0) return [];
    let q = this.db
      .selectFrom('abilities as a')
      .innerJoin('channels as c', 'c.id', 'a.channel_id')
      .select('a.model')
      .where('a.enabled', '=', 1)
      .where('c.status', '=', 1);
    if (groups) q = q.where('a.group', 'in', groups);
    const rows = await q.distinct().orderBy('a.model').execute();
    return rows.map((r) => r.model);
  }

  /** Every model any channel lists, enabled or not (the channel editor's suggestions). */
  async listedModels(): Promise<string[]> {
    const rows = await this.db.selectFrom('abilities').select('model').distinct().execute();
    return rows.map((r) => r.model);
  }

  /** Enabled channels serving any of these groups → their models (/api/models). abilities_pk starts with group. */
  async modelsByChannel(groups: string[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (groups.length === 0) return out;
    const rows = await this.db
      .selectFrom('abilities as a')
      .innerJoin('channels as c', 'c.id', 'a.channel_id')
      .select(['a.channel_id', 'a.model'])
      .where('a.group', 'in', groups)
      .where('a.enabled', '=', 1)
      .where('c.status', '=', 1)
      .distinct()
      .orderBy('a.channel_id')
      .orderBy('a.model')
      .execute();
    for (const r of rows) {
      const list = out.get(r.channel_id) ?? [];
      list.push(r.model);
      out.set(r.channel_id, list);
    }
    return out;
  }

  /** With the stored key: for the channel test and the service's own updates, never for answers. */
  findWithKey(id: number): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Newest first. Channels number in the hundreds or thousands, so the count is exact. The group and
   * model filters probe abilities_pk (group, model, channel_id) / abilities_channel_idx instead of
   * matching inside the comma lists.
   */
  async list(f: ChannelListFilter): Promise<{ items: PublicChannel[]; total: number }> {
    let q = this.db.selectFrom('channels as c');
    if (f.status !== undefined) q = q.where('c.status', '=', f.status);
    if (f.type !== undefined) q = q.where('c.type', '=', f.type);
    if (f.tag !== undefined) q = q.where('c.tag', '=', f.tag);
    if (f.group || f.model) {
      q = q.where(({ exists, selectFrom }) => {
        let sub = selectFrom('abilities as a').select('a.channel_id').whereRef('a.channel_id', '=', 'c.id');
        if (f.group) sub = sub.where('a.group', '=', f.group);
        if (f.model) sub = sub.where('a.model', '=', f.model);
        return exists(sub);
      });
    }
    if (f.keyword) {
      const pattern = `%${escapeLike(f.keyword)}%`;
      const { ilike } = this.h.dialect;
      q = q.where((eb) =>
        eb.or([ilike('c.name', pattern), ilike('c.tag', pattern), ilike('c.base_url', pattern)]),
      );
    }
    const [items, total] = await Promise.all([
      q
        .select(PUBLIC_COLUMNS.map((c) => `c.${c}` as const))
        .orderBy('c.id', 'desc')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: items as PublicChannel[], total: Number(total.n) };
  }

  /** With its id given (an import keeping New API's ids), serving rows in the same transaction. */
  async insertWithId(row: ChannelRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('channels').values(row).execute();
      await writeAbilities(trx, row);
    });
  }

  async insert(row: NewChannel): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const id = await this.h.dialect.insertId(trx, 'channels', row as Record<string, unknown>);
      await writeAbilities(trx, { ...row, id });
      return id;
    });
  }

  /** Replaces the row's fields and rewrites its abilities, in one transaction. */
  update(row: ChannelRow): Promise<void> {
    return this.updateMany([row]);
  }

  async delete(id: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('abilities').where('channel_id', '=', id).execute();
      const res = await trx.deleteFrom('channels').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  /** Several channels and their serving rows in one transaction; how many existed. */
  async deleteMany(ids: readonly number[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('abilities').where('channel_id', 'in', ids).execute();
      const res = await trx.deleteFrom('channels').where('id', 'in', ids).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }

  /** Several channels' status (an admin's batch action), serving rows following, in one transaction. */
  async setStatusMany(ids: readonly number[], status: number, now: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('channels')
        .set({ status, status_reason: '', status_time: now })
        .where('id', 'in', ids)
        .executeTakeFirst();
      await trx
        .updateTable('abilities')
        .set({ enabled: status === 1 ? 1 : 0 })
        .where('channel_id', 'in', ids)
        .execute();
      return Number(res.numUpdatedRows);
    });
  }

  /** The ids of the channels with this tag (a few hundred at most). */
  async idsByTag(tag: string): Promise<number[]> {
    const rows = await this.db.selectFrom('channels').select('id').where('tag', '=', tag).execute();
    return rows.map((r) => r.id);
  }

  /** The model lists of the channels with this tag. */
  async modelsByTag(tag: string): Promise<string[]> {
    const rows = await this.db.selectFrom('channels').select('models').where('tag', '=', tag).execute();
    return rows.map((r) => r.models);
  }

  /** The channels with this tag, keys included (a tag edit rewrites each). */
  findByTagWithKey(tag: string): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().where('tag', '=', tag).orderBy('id').execute();
  }

  /** Several channels' tag; how many exist. */
  async setTagMany(ids: readonly number[], tag: string): Promise<number> {
    const res = await this.db.updateTable('channels').set({ tag }).where('id', 'in', ids).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Several rows replaced and their abilities rewritten, in one transaction (a tag edit). */
  async updateMany(rows: readonly ChannelRow[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        const { id, ...fields } = row;
        await trx.updateTable('channels').set(fields).where('id', '=', id).execute();
        await trx.deleteFrom('abilities').where('channel_id', '=', id).execute();
        await writeAbilities(trx, row);
      }
    });
  }

  /**
   * Status alone (auto-disable, test re-enable): the abilities follow in the same transaction. `from`:
   * only when the channel has that status now (an automatic change never overrides an admin's).
   * `reason`: why (kept for the channels page), '' when the change needs none.
   */
  async setStatus(id: number, status: number, now: number, from?: number, reason = ''): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable('channels')
        .set({ status, status_reason: reason.slice(0, 255), status_time: now })
        .where('id', '=', id);
      if (from !== undefined) q = q.where('status', '=', from);
      if (Number((await q.executeTakeFirst()).numUpdatedRows) === 0) return;
      await trx
        .updateTable('abilities')
        .set({ enabled: status === 1 ? 1 : 0 })
        .where('channel_id', '=', id)
        .execute();
    });
  }

  async recordTest(id: number, responseTimeMs: number, testTime: number): Promise<void> {
    await this.db
      .updateTable('channels')
      .set({ response_time: responseTimeMs, test_time: testTime })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Enabled channels serving (group, model), highest priority first. Index abilities_route_idx
   * (group, model, enabled, priority) finds the rows; the join reads each channel by primary key.
   */
  routeRows(group: string, model: string): Promise<RouteRow[]> {
    return this.db
      .selectFrom('abilities as a')
      .innerJoin('channels as c', 'c.id', 'a.channel_id')
      .select([
        'c.id',
        'c.name',
        'c.type',
        'c.base_url',
        'c.key',
        'c.model_mapping',
        'c.settings',
        'a.priority',
        'a.weight',
      ])
      .where('a.group', '=', group)
      .where('a.model', '=', model)
      .where('a.enabled', '=', 1)
      .where('c.status', '=', 1)
      .orderBy('a.priority', 'desc')
      .execute();
  }
}

async function writeAbilities(
  db: Kysely<MainDatabase>,
  c: Pick<ChannelRow, 'id' | 'group' | 'models' | 'status' | 'priority' | 'weight'>,
): Promise<void> {
  const rows = split(c.group).flatMap((group) =>
    split(c.models).map((model) => ({
      group,
      model,
      channel_id: c.id,
      enabled: c.status === 1 ? 1 : 0,
      priority: c.priority,
      weight: c.weight,
    })),
  );
  for (let i = 0; i < rows.length; i += ABILITY_ROWS_PER_STATEMENT)
    await db
      .insertInto('abilities')
      .values(rows.slice(i, i + ABILITY_ROWS_PER_STATEMENT))
      .execute();
}
