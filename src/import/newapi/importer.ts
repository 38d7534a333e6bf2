import { sql } from 'kysely';
import type { Databases } from '../../db/connect.ts';
import type { ChannelKeyCipher } from '../../modules/channels/channel-key.ts';
import type { TokenKeys } from '../../modules/tokens/token-keys.ts';
import { hashAccessToken } from '../../modules/users/password.ts';
import { importChannels } from './channels-step.ts';
import { importLogs } from './logs-step.ts';
import { importOptions, importVendorsAndModels, markSetUp } from './settings-step.ts';
import { int, isDeleted, readBatch, type Source, str, unixOf } from './source.ts';

/** What happened to one table: rows seen in the source, copied now, already there, skipped and why. */
export interface TableReport {
  source: number;
  imported: number;
  present: number;
  skipped: Map<string, number>;
}

export interface ImportOptions {
  /** where the logs are, when New API kept them apart (LOG_SQL_DSN); else the main source */
  logs?: Source;
  dryRun: boolean;
  batch: number;
  keys: TokenKeys;
  cipher: ChannelKeyCipher;
  /** progress of the logs (rows done, source max id) */
  onProgress?: (p: { table: string; done: number; lastId: number; maxId: number }) => void;
  /** one line per notable thing (a table skipped, a multi-key channel) */
  note?: (line: string) => void;
}

/** Copies a New API database into Tollgate's (see cli.ts). Each step can be run again: only new rows go in. */
export class NewApiImporter {
  readonly report = new Map<string, TableReport>();

  constructor(
    readonly src: Source,
    readonly dbs: Databases,
    readonly o: ImportOptions,
  ) {}

  table(name: string): TableReport {
    let r = this.report.get(name);
    if (!r) {
      r = { source: 0, imported: 0, present: 0, skipped: new Map() };
      this.report.set(name, r);
    }
    return r;
  }

  noteSkipped(r: TableReport, why: string, n = 1): void {
    r.skipped.set(why, (r.skipped.get(why) ?? 0) + n);
  }

  /** New API id → Tollgate id of every user, token and channel seen (the same id where it was free). */
  readonly userIds = new Map<number, number>();
  readonly tokenIds = new Map<number, number>();
  readonly channelIds = new Map<number, number>();

  async run(): Promise<void> {
    try {
      await this.users();
      await this.tokens();
      await importChannels(this);
      await importOptions(this);
      await this.redemptions();
      await importVendorsAndModels(this);
      await importLogs(this);
      await markSetUp(this);
    } finally {
      // rows went in with New API's ids: PostgreSQL's sequences must move past them, even after a failure
      if (!this.o.dryRun && this.dbs.main.dialect.kind === 'postgres') await this.resyncSequences();
    }
  }

  /** Which of `ids` Tollgate already uses in `table` (a New API id is kept only where it is free). */
  /** Tollgate's id of each row whose keyed hash is among `hashes` (tokens and codes are the same by key). */
  async idsByKey(table: 'tokens' | 'redemptions', hashes: string[]): Promise<Map<string, number>> {
    if (hashes.length === 0) return new Map();
    const rows = await this.dbs.main.db
      .selectFrom(table)
      .select(['id', 'key'])
      .where('key', 'in', hashes)
      .execute();
    return new Map(rows.map((row) => [row.key, row.id]));
  }

  /** Inserts `out` (see insert) and records New API id → Tollgate id for each, in `map`. */
  async insertMapped(
    table: 'users' | 'tokens',
    out: Array<Record<string, unknown>>,
    sources: number[],
    map: Map<number, number>,
  ): Promise<void> {
    const ids = this.o.dryRun ? sources : await this.insert(table, out);
    for (const [i, src] of sources.entries()) map.set(src, ids[i]);
  }

  async takenIds(
    table: 'users' | 'tokens' | 'channels' | 'redemptions',
    ids: number[],
  ): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.dbs.main.db.selectFrom(table).select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Inserts rows (500 per statement: bound parameters stay under every engine's limit), keeping the New API
   * id where Tollgate has it free (`id` set) and taking a new one otherwise (`id` undefined); returns the
   * Tollgate ids in order.
   */
  private async insert(
    table: 'users' | 'tokens' | 'redemptions',
    rows: Array<Record<string, unknown>>,
  ): Promise<number[]> {
    const main = this.dbs.main;
    const keep = rows.filter((r) => r.id !== undefined);
    for (let i = 0; i < keep.length; i += 500)
      await main.db
        .insertInto(table)
        .values(keep.slice(i, i + 500) as any)
        .execute();
    // rows that need a new id: on PostgreSQL the sequence first moves past every id already in the table
    if (main.dialect.kind === 'postgres' && rows.some((r) => r.id === undefined))
      await this.resyncSequence(table);
    const out: number[] = [];
    for (const r of rows) {
      if (r.id !== undefined) out.push(r.id as number);
      else {
        const { id: _none, ...rest } = r;
        out.push(await main.dialect.insertId(main.db, table, rest));
      }
    }
    return out;
  }

  /** Every row of `table`, read `batch` at a time. */
  async *rowsOf(table: string, wanted: readonly string[]) {
    for await (const rows of this.batches(table, wanted)) yield* rows;
  }

  /** Rows of `table` in id order, `batch` at a time. */
  async *batches(table: string, wanted: readonly string[]) {
    if ((await this.src.columns(table)).size === 0) {
      this.o.note?.(`${table}: not in the source (an older New API): skipped`);
      return;
    }
    for (let after = 0; ; ) {
      const rows = await readBatch(this.src, table, wanted, after, this.o.batch);
      if (rows.length === 0) return;
      after = int(rows[rows.length - 1].id);
      yield rows;
    }
  }

  private async users(): Promise<void> {
    const r = this.table('users');
    const cols = [
      'id',
      'username',
      'password',
      'display_name',
      'role',
      'status',
      'email',
      'group',
      'quota',
      'used_quota',
      'request_count',
      'access_token',
      'created_at',
      'deleted_at',
    ];
    for await (const rows of this.batches('users', cols)) {
      // a user is the same user by name (Tollgate's names are unique ignoring case): a second run, or a
      // root created in Tollgate before the import, is matched rather than duplicated
      const names = [...new Set(rows.map((u) => str(u.username).toLowerCase()))];
      const existing = new Map(
        (
          await this.dbs.main.db
            .selectFrom('users')
            .select(['id', 'username'])
            .where((eb) => eb(eb.fn('lower', ['username']), 'in', names))
            .execute()
        ).map((u) => [u.username.toLowerCase(), u.id]),
      );
      const taken = await this.takenIds(
        'users',
        rows.map((u) => int(u.id)),
      );
      const out: Array<Record<string, unknown>> = [];
      const sources: number[] = [];
      for (const u of rows) {
        r.source += 1;
        const src = int(u.id);
        const name = str(u.username).toLowerCase();
        const same = existing.get(name);
        if (same !== undefined) {
          this.userIds.set(src, same);
          r.present += 1;
          continue;
        }
        existing.set(name, src); // a later row differing only in case is the same name here
        const token = str(u.access_token);
        out.push({
          id: taken.has(src) ? undefined : src,
          username: str(u.username),
          password: str(u.password),
          display_name: str(u.display_name),
          role: int(u.role, 1),
          status: int(u.status, 1),
          email: str(u.email),
          group: str(u.group, 'default') || 'default',
          quota: int(u.quota),
          used_quota: int(u.used_quota),
          request_count: int(u.request_count),
          access_token_hash: token ? hashAccessToken(token) : null,
          created_at: int(u.created_at),
          // kept, deleted: their logs still name them and their usernames stay taken, as in New API
          deleted_at: isDeleted(u) ? unixOf(u.deleted_at) : null,
        });
        sources.push(src);
      }
      await this.insertMapped('users', out, sources, this.userIds);
      r.imported += out.length;
    }
  }

  private async tokens(): Promise<void> {
    const r = this.table('tokens');
    const cols = [
      'id',
      'user_id',
      'key',
      'status',
      'name',
      'created_time',
      'accessed_time',
      'expired_time',
      'remain_quota',
      'unlimited_quota',
      'model_limits_enabled',
      'model_limits',
      'allow_ips',
      'used_quota',
      'group',
      'deleted_at',
    ];
    for await (const rows of this.batches('tokens', cols)) {
      // a token is the same token by its key
      const sealed = new Map(
        rows.map((t) => [int(t.id), this.o.keys.seal(str(t.key).trim().replace(/^sk-/, ''))]),
      );
      const hashes = [...sealed.values()].map((k) => k.key);
      const existing = await this.idsByKey('tokens', hashes);
      const taken = await this.takenIds(
        'tokens',
        rows.map((t) => int(t.id)),
      );
      const out: Array<Record<string, unknown>> = [];
      const sources: number[] = [];
      for (const t of rows) {
        r.source += 1;
        const src = int(t.id);
        const seal = sealed.get(src)!;
        const same = existing.get(seal.key);
        if (same !== undefined) {
          this.tokenIds.set(src, same);
          r.present += 1;
          continue;
        }
        if (isDeleted(t)) {
          this.noteSkipped(r, 'deleted in New API');
          continue;
        }
        if (!str(t.key).trim()) {
          this.noteSkipped(r, 'no key');
          continue;
        }
        const owner = this.userIds.get(int(t.user_id));
        if (owner === undefined) {
          this.noteSkipped(r, 'its user is not in the source');
          continue;
        }
        existing.set(seal.key, src);
        // the same `sk-` key keeps working: stored as Tollgate stores keys (keyed hash + encrypted copy)
        out.push({
          id: taken.has(src) ? undefined : src,
          user_id: owner,
          ...seal,
          name: str(t.name).slice(0, 50) || 'imported',
          status: int(t.status, 1),
          created_time: int(t.created_time),
          accessed_time: int(t.accessed_time),
          expired_time: int(t.expired_time, -1),
          remain_quota: int(t.remain_quota),
          unlimited_quota: int(t.unlimited_quota),
          used_quota: int(t.used_quota),
          model_limits_enabled: int(t.model_limits_enabled),
          model_limits: str(t.model_limits),
          allow_ips: str(t.allow_ips),
          group: str(t.group),
        });
        sources.push(src);
      }
      await this.insertMapped('tokens', out, sources, this.tokenIds);
      r.imported += out.length;
    }
  }

  private async redemptions(): Promise<void> {
    const r = this.table('redemptions');
    const cols = [
      'id',
      'user_id',
      'key',
      'status',
      'name',
      'quota',
      'created_time',
      'redeemed_time',
      'used_user_id',
      'expired_time',
      'deleted_at',
    ];
    for await (const rows of this.batches('redemptions', cols)) {
      // a code is the same code by its key
      const sealed = new Map(rows.map((c) => [int(c.id), this.o.keys.seal(str(c.key).trim().toLowerCase())]));
      const hashes = [...sealed.values()].map((k) => k.key);
      const existing = await this.idsByKey('redemptions', hashes);
      const taken = await this.takenIds(
        'redemptions',
        rows.map((c) => int(c.id)),
      );
      const out: Array<Record<string, unknown>> = [];
      for (const c of rows) {
        r.source += 1;
        const src = int(c.id);
        const seal = sealed.get(src)!;
        if (existing.has(seal.key)) {
          r.present += 1;
          continue;
        }
        if (isDeleted(c)) {
          this.noteSkipped(r, 'deleted in New API');
          continue;
        }
        existing.set(seal.key, src);
        const code = str(c.key).trim().toLowerCase();
        out.push({
          id: taken.has(src) ? undefined : src,
          user_id: this.userIds.get(int(c.user_id)) ?? 0,
          key: seal.key,
          key_enc: seal.key_enc,
          key_hint: `${code.slice(0, 4)}****${code.slice(-4)}`,
          status: int(c.status, 1),
          name: str(c.name).slice(0, 64),
          quota: int(c.quota),
          created_time: int(c.created_time),
          redeemed_time: int(c.redeemed_time),
          used_user_id: this.userIds.get(int(c.used_user_id)) ?? 0,
          expired_time: int(c.expired_time),
        });
      }
      if (!this.o.dryRun) await this.insert('redemptions', out);
      r.imported += out.length;
    }
  }

  /** Rows inserted with their New API ids: PostgreSQL's sequences must move past them. */
  private async resyncSequences(): Promise<void> {
    for (const t of ['users', 'tokens', 'channels', 'redemptions', 'vendors', 'model_meta'])
      await this.resyncSequence(t);
  }

  async resyncSequence(table: string): Promise<void> {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM ${sql.table(table)}), 1))`.execute(
      this.dbs.main.db,
    );
  }
}
