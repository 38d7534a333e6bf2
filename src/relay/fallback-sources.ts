import type { DbHandle } from '../db/connect.ts';
import type { MainDatabase } from '../db/schema.ts';
import type { Candidate, ChannelSource } from './relay-context.ts';
import type { TokenRow, TokenSource } from './token-auth.ts';

/**
 * Direct reads of tokens and channels for the relay, used only while the tokens/channels module is not
 * wired in (it owns key decryption; these read the key column as stored).
 */
export class DbTokenSource implements TokenSource {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  /** Index tokens_key_uq. */
  findByKey(key: string): Promise<TokenRow | undefined> {
    return this.h.db.selectFrom('tokens').selectAll().where('key', '=', key).executeTakeFirst();
  }
}

export class DbChannelSource implements ChannelSource {
  constructor(private readonly h: DbHandle<MainDatabase>) {}

  /** Index abilities_route_idx (group, model, enabled, priority). */
  async routeCandidates(group: string, model: string): Promise<Candidate[]> {
    return this.h.db
      .selectFrom('abilities as a')
      .innerJoin('channels as c', 'c.id', 'a.channel_id')
      .select([
        'c.id',
        'c.name',
        'c.type',
        'c.base_url',
        'c.key',
        'c.model_mapping',
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

  async setStatus(id: number, status: number): Promise<void> {
    await this.h.db.updateTable('channels').set({ status }).where('id', '=', id).execute();
    await this.h.db
      .updateTable('abilities')
      .set({ enabled: status === 1 ? 1 : 0 })
      .where('channel_id', '=', id)
      .execute();
  }
}
