import { sql } from 'kysely';
import type { Databases } from '../../db/connect.ts';
import type { NewLog } from '../../db/schema.ts';
import type { ChannelKeyCipher } from '../../modules/channels/channel-key.ts';
import { ChannelsRepo } from '../../modules/channels/channels.repo.ts';
import { LogType } from '../../modules/logs/log-types.ts';
import { LOG_COLUMNS } from '../../modules/logs/log-writer.ts';
import { isSettableOption, OPTION_VALIDATORS } from '../../modules/options/options.validators.ts';
import type { TokenKeys } from '../../modules/tokens/token-keys.ts';
import { rebuildRollup } from '../../modules/usage-data/rebuild.ts';
import { hashAccessToken } from '../../modules/users/password.ts';
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

/** New API's log types → Tollgate's (CONTRACT §3: 4 and 5 swapped); refund (6) and others have no match. */
const LOG_TYPE: Record<number, number> = {
  1: LogType.TopUp,
  2: LogType.Consume,
  3: LogType.Manage,
  4: LogType.System,
  5: LogType.Error,
};

/** Channel types the relay speaks today; the others are imported disabled (issue 17 adds them). */
const SPOKEN_TYPES = new Set([1, 8, 14, 20, 40, 43, 48]);

/** Where a New API channel without a base URL goes, by type (8, custom, has none: imported disabled). */
const DEFAULT_BASE_URL: Record<number, string> = {
  1: 'https://api.openai.com',
  14: 'https://api.anthropic.com',
  20: 'https://openrouter.ai/api',
  40: 'https://api.siliconflow.cn',
  43: 'https://api.deepseek.com',
  48: 'https://api.x.ai',
};

/** New API option names stored under a module prefix → Tollgate's. */
const OPTION_RENAMES: Record<string, string> = {
  'general_setting.docs_link': 'DocsLink',
  'general_setting.quota_display_type': 'QuotaDisplayType',
};

/** Copies a New API database into Tollgate's (see cli.ts). Each step can be run again: only new rows go in. */
export class NewApiImporter {
  readonly report = new Map<string, TableReport>();

  constructor(
    private readonly src: Source,
    private readonly dbs: Databases,
    private readonly o: ImportOptions,
  ) {}

  private table(name: string): TableReport {
    let r = this.report.get(name);
    if (!r) {
      r = { source: 0, imported: 0, present: 0, skipped: new Map() };
      this.report.set(name, r);
    }
    return r;
  }

  private skip(r: TableReport, why: string, n = 1): void {
    r.skipped.set(why, (r.skipped.get(why) ?? 0) + n);
  }

  /** New API id → Tollgate id of every user, token and channel seen (the same id where it was free). */
  private readonly userIds = new Map<number, number>();
  private readonly tokenIds = new Map<number, number>();
  private readonly channelIds = new Map<number, number>();

  async run(): Promise<void> {
    try {
      await this.users();
      await this.tokens();
      await this.channels();
      await this.options();
      await this.redemptions();
      await this.vendorsAndModels();
      await this.logs();
      await this.setupRow();
    } finally {
      // rows went in with New API's ids: PostgreSQL's sequences must move past them, even after a failure
      if (!this.o.dryRun && this.dbs.main.dialect.kind === 'postgres') await this.resyncSequences();
    }
  }

  /** Which of `ids` Tollgate already uses in `table` (a New API id is kept only where it is free). */
  private async takenIds(
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
  private async *rowsOf(table: string, wanted: readonly string[]) {
    for await (const rows of this.batches(table, wanted)) yield* rows;
  }

  /** Rows of `table` in id order, `batch` at a time. */
  private async *batches(table: string, wanted: readonly string[]) {
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
      const ids = this.o.dryRun ? sources : await this.insert('users', out);
      for (const [i, src] of sources.entries()) this.userIds.set(src, ids[i]);
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
      const existing = new Map(
        (
          await this.dbs.main.db
            .selectFrom('tokens')
            .select(['id', 'key'])
            .where('key', 'in', hashes)
            .execute()
        ).map((t) => [t.key, t.id]),
      );
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
          this.skip(r, 'deleted in New API');
          continue;
        }
        if (!str(t.key).trim()) {
          this.skip(r, 'no key');
          continue;
        }
        const owner = this.userIds.get(int(t.user_id));
        if (owner === undefined) {
          this.skip(r, 'its user is not in the source');
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
      const ids = this.o.dryRun ? sources : await this.insert('tokens', out);
      for (const [i, src] of sources.entries()) this.tokenIds.set(src, ids[i]);
      r.imported += out.length;
    }
  }

  private async channels(): Promise<void> {
    const r = this.table('channels');
    const repo = new ChannelsRepo(this.dbs.main);
    const cols = [
      'id',
      'type',
      'key',
      'status',
      'name',
      'weight',
      'created_time',
      'test_time',
      'response_time',
      'base_url',
      'models',
      'group',
      'used_quota',
      'model_mapping',
      'priority',
      'tag',
      'remark',
      'settings',
      'channel_info',
    ];
    // a channel is the same channel by type and name (channels have no other natural key); they number in
    // the hundreds, so Tollgate's are read once
    const existing = new Map(
      (await this.dbs.main.db.selectFrom('channels').select(['id', 'type', 'name']).execute()).map((c) => [
        `${c.type}|${c.name}`,
        c.id,
      ]),
    );
    for await (const rows of this.batches('channels', cols)) {
      const taken = await this.takenIds(
        'channels',
        rows.map((c) => int(c.id)),
      );
      for (const c of rows) {
        r.source += 1;
        const src = int(c.id);
        const id = src;
        const ident = `${int(c.type, 1)}|${str(c.name).slice(0, 128) || `channel ${src}`}`;
        const same = existing.get(ident);
        if (same !== undefined) {
          this.channelIds.set(src, same);
          r.present += 1;
          continue;
        }
        let key = str(c.key).trim();
        let info: { is_multi_key?: boolean; multi_key_status_list?: Record<string, number> } = {};
        try {
          info = JSON.parse(str(c.channel_info) || '{}') ?? {};
        } catch {
          // unreadable channel_info: a single-key channel
        }
        if (info.is_multi_key) {
          const keys = key.startsWith('[')
            ? (JSON.parse(key) as unknown[]).map((k) => str(k))
            : key
                .split('\n')
                .map((k) => k.trim())
                .filter(Boolean);
          const first = keys.findIndex((_, i) => (info.multi_key_status_list?.[i] ?? 1) === 1);
          key = keys[first >= 0 ? first : 0] ?? '';
          this.o.note?.(
            `channel #${id} "${str(c.name)}": multi-key (${keys.length} keys); imported with its first enabled key (Tollgate has one key per channel)`,
          );
          this.skip(r, 'multi-key: imported with one key (not skipped)', 0);
        }
        const type = int(c.type, 1);
        let status = int(c.status, 1);
        const baseUrl = str(c.base_url).replace(/\/+$/, '') || (DEFAULT_BASE_URL[type] ?? '');
        if ((!SPOKEN_TYPES.has(type) || !baseUrl) && status === 1) {
          status = 2;
          this.o.note?.(
            `channel #${id} "${str(c.name)}": ${baseUrl ? `type ${type} is not spoken by the relay yet` : 'no base URL'}; imported disabled`,
          );
        }
        const row = {
          id: taken.has(src) ? 0 : src,
          type,
          name: str(c.name).slice(0, 128) || `channel ${id}`,
          key: this.o.cipher.encrypt(key),
          base_url: baseUrl,
          models: str(c.models),
          group: str(c.group, 'default') || 'default',
          model_mapping: str(c.model_mapping),
          priority: int(c.priority),
          weight: int(c.weight),
          status,
          used_quota: int(c.used_quota),
          response_time: int(c.response_time),
          test_time: int(c.test_time),
          tag: str(c.tag).slice(0, 64),
          remark: str(c.remark).slice(0, 255),
          created_time: int(c.created_time),
          settings: str(c.settings),
        };
        existing.set(ident, src);
        let target = src;
        if (!this.o.dryRun) {
          // the channel and its serving rows (models × groups) in one transaction
          if (row.id) await repo.insertWithId(row);
          else {
            if (this.dbs.main.dialect.kind === 'postgres') await this.resyncSequence('channels');
            const { id: _new, ...rest } = row;
            target = await repo.insert(rest);
          }
        }
        this.channelIds.set(src, target);
        r.imported += 1;
      }
    }
  }

  private async options(): Promise<void> {
    const r = this.table('options');
    if ((await this.src.columns('options')).size === 0) return;
    const rows = await this.src.db
      .selectFrom('options')
      .select([sql.ref('key').as('key'), sql.ref('value').as('value')])
      .execute();
    const current = new Map(
      (await this.dbs.main.db.selectFrom('options').select(['key', 'value']).execute()).map((o) => [
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
        this.skip(r, 'not a Tollgate option');
        continue;
      }
      const problem = OPTION_VALIDATORS[key]?.(value) ?? null;
      if (problem) {
        this.skip(r, `invalid for Tollgate (${key}: ${problem})`);
        continue;
      }
      if (current.get(key) === value) {
        r.present += 1;
        continue;
      }
      if (!this.o.dryRun)
        await this.dbs.main.dialect.upsertReplace(
          this.dbs.main.db,
          'options',
          { key, value },
          ['key'],
          ['value'],
        );
      r.imported += 1;
    }
    if (unknown.length > 0) this.o.note?.(`options not used by Tollgate: ${unknown.sort().join(', ')}`);
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
      const existing = new Set(
        (
          await this.dbs.main.db.selectFrom('redemptions').select('key').where('key', 'in', hashes).execute()
        ).map((c) => c.key),
      );
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
          this.skip(r, 'deleted in New API');
          continue;
        }
        existing.add(seal.key);
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

  /** Vendors matched by name (Tollgate ships its own list), model metadata by model name. */
  private async vendorsAndModels(): Promise<void> {
    const vr = this.table('vendors');
    const mr = this.table('models');
    const vendorId = new Map<number, number>();
    const main = this.dbs.main;
    if ((await this.src.columns('vendors')).size > 0) {
      const mine = new Map(
        (await main.db.selectFrom('vendors').select(['id', 'name']).execute()).map((v) => [
          v.name.toLowerCase(),
          v.id,
        ]),
      );
      for await (const v of this.rowsOf('vendors', [
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
          this.skip(vr, 'deleted in New API');
          continue;
        }
        const found = mine.get(str(v.name).toLowerCase());
        if (found !== undefined) {
          vendorId.set(int(v.id), found);
          vr.present += 1;
          continue;
        }
        vr.imported += 1;
        if (this.o.dryRun) continue;
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
    if ((await this.src.columns('models')).size === 0) return;
    const known = new Set(
      (await main.db.selectFrom('model_meta').select('model_name').execute()).map((m) => m.model_name),
    );
    for await (const m of this.rowsOf('models', [
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
        this.skip(mr, 'deleted in New API');
        continue;
      }
      if (known.has(name)) {
        mr.present += 1;
        continue;
      }
      known.add(name);
      mr.imported += 1;
      if (this.o.dryRun) continue;
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

  /**
   * Logs in id order, `batch` rows per transaction, each with the progress marker (table `imports`), so
   * a second run goes on from the last copied id; types 4 and 5 swapped, `other` kept. Then the hourly
   * rollups are rebuilt for the hours the copied logs cover.
   */
  private async logs(): Promise<void> {
    const r = this.table('logs');
    const src = this.o.logs ?? this.src;
    if ((await src.columns('logs')).size === 0) {
      this.o.note?.('logs: not in the source: skipped');
      return;
    }
    const name = 'newapi.logs';
    const ldb = this.dbs.logs;
    const mark = await ldb.db
      .selectFrom('imports')
      .select('last_id')
      .where('name', '=', name)
      .executeTakeFirst();
    let after = Number(mark?.last_id ?? 0);
    r.present =
      after > 0
        ? Number(
            (
              await src.db
                .selectFrom('logs')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('id', '<=', after)
                .executeTakeFirstOrThrow()
            ).n,
          )
        : 0;
    const max = Number(
      (
        await src.db
          .selectFrom('logs')
          .select((eb) => eb.fn.max<number>('id').as('m'))
          .executeTakeFirst()
      )?.m ?? 0,
    );
    // New API's log columns are Tollgate's (theirs named, ours in the writer's order), plus the id to page by
    const cols = ['id', ...LOG_COLUMNS];
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let done = 0;
    for (;;) {
      const rows = await readBatch(src, 'logs', cols, after, this.o.batch);
      if (rows.length === 0) break;
      const out: NewLog[] = [];
      for (const l of rows) {
        r.source += 1;
        const type = LOG_TYPE[int(l.type)];
        if (type === undefined) {
          this.skip(
            r,
            `type ${int(l.type)} (${int(l.type) === 6 ? 'refund' : 'unknown'}): no such log type in Tollgate`,
          );
          continue;
        }
        const at = int(l.created_at);
        first = Math.min(first, at);
        last = Math.max(last, at);
        out.push({
          // ids as Tollgate has them (a New API id was kept only where it was free); 0 for what is gone
          user_id: this.userIds.get(int(l.user_id)) ?? 0,
          username: str(l.username),
          created_at: at,
          type,
          content: str(l.content),
          token_id: this.tokenIds.get(int(l.token_id)) ?? 0,
          token_name: str(l.token_name),
          model_name: str(l.model_name),
          quota: int(l.quota),
          prompt_tokens: int(l.prompt_tokens),
          completion_tokens: int(l.completion_tokens),
          use_time: int(l.use_time),
          is_stream: int(l.is_stream),
          channel_id: this.channelIds.get(int(l.channel_id)) ?? 0,
          group: str(l.group),
          ip: str(l.ip),
          request_id: str(l.request_id).slice(0, 64),
          other: str(l.other),
        });
      }
      after = int(rows[rows.length - 1].id);
      if (!this.o.dryRun) {
        const upTo = after;
        await ldb.db.transaction().execute(async (trx) => {
          for (let i = 0; i < out.length; i += 500)
            await ldb.dialect.insertRows(trx, 'logs', LOG_COLUMNS, out.slice(i, i + 500));
          await ldb.dialect.upsertReplace(
            trx,
            'imports',
            { name, last_id: upTo, updated_at: Math.floor(Date.now() / 1000) },
            ['name'],
            ['last_id', 'updated_at'],
          );
        });
      }
      r.imported += out.length;
      done += rows.length;
      this.o.onProgress?.({ table: 'logs', done, lastId: after, maxId: max });
    }
    if (!this.o.dryRun && last > 0) {
      this.o.note?.(
        `rebuilding the hourly rollups from ${new Date(first * 1000).toISOString()} to ${new Date(last * 1000).toISOString()}`,
      );
      await rebuildRollup(ldb, first, last + 1);
    }
  }

  /** A root among the imported users means the system is set up (else the setup wizard would show). */
  private async setupRow(): Promise<void> {
    if (this.o.dryRun) return;
    const main = this.dbs.main.db;
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

  /** Rows inserted with their New API ids: PostgreSQL's sequences must move past them. */
  private async resyncSequences(): Promise<void> {
    for (const t of ['users', 'tokens', 'channels', 'redemptions', 'vendors', 'model_meta'])
      await this.resyncSequence(t);
  }

  private async resyncSequence(table: string): Promise<void> {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM ${sql.table(table)}), 1))`.execute(
      this.dbs.main.db,
    );
  }
}
