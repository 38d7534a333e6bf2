/**
 * A New API database as New API's GORM models create it (QuantumNous/new-api model/*.go: users, tokens,
 * channels, abilities, options, logs, quota_data, redemptions, vendors, models, setups), on any engine,
 * with the column types GORM gives each (booleans as boolean/tinyint/numeric, soft-delete datetimes, a
 * json column on channels), and rows in every table, awkward ones included.
 */
import { type Kysely, sql } from 'kysely';
import { type Databases, openDatabases } from '../../src/db/connect.ts';
import { hashPassword } from '../../src/modules/users/password.ts';
import { type Engine, freshDatabase, type TestDatabase } from './engines.ts';

type Kind = Engine['name'];

function ddl(kind: Kind) {
  const q = (id: string) => (kind === 'mysql' ? `\`${id}\`` : `"${id}"`);
  const id =
    kind === 'sqlite'
      ? 'integer primary key autoincrement'
      : kind === 'postgres'
        ? 'bigserial primary key'
        : 'bigint auto_increment primary key';
  const bool = kind === 'sqlite' ? 'numeric' : kind === 'postgres' ? 'boolean' : 'tinyint(1)';
  const text = kind === 'mysql' ? 'longtext' : 'text';
  const dt = kind === 'sqlite' ? 'datetime' : kind === 'postgres' ? 'timestamptz' : 'datetime(3)';
  const str = kind === 'mysql' ? 'varchar(191)' : 'text';
  const g = q('group');
  const k = q('key');
  return [
    `CREATE TABLE users (id ${id}, username ${str} UNIQUE, password ${text} NOT NULL, display_name ${str}, role int DEFAULT 1, status int DEFAULT 1, email ${str}, github_id ${str}, wechat_id ${str}, access_token char(32) UNIQUE, quota int DEFAULT 0, used_quota int DEFAULT 0, request_count int DEFAULT 0, ${g} varchar(64) DEFAULT 'default', aff_code varchar(32) UNIQUE, aff_count int DEFAULT 0, aff_quota int DEFAULT 0, aff_history int DEFAULT 0, inviter_id int, deleted_at ${dt} NULL, setting ${text})`,
    `CREATE TABLE tokens (id ${id}, user_id bigint, ${k} char(48) UNIQUE, status bigint DEFAULT 1, name ${str}, created_time bigint, accessed_time bigint, expired_time bigint DEFAULT -1, remain_quota bigint DEFAULT 0, unlimited_quota ${bool}, model_limits_enabled ${bool}, model_limits ${text}, allow_ips ${str} DEFAULT '', used_quota bigint DEFAULT 0, ${g} ${str} DEFAULT '', cross_group_retry ${bool}, deleted_at ${dt} NULL)`,
    `CREATE TABLE channels (id ${id}, type bigint DEFAULT 0, ${k} ${text} NOT NULL, openai_organization ${text}, test_model ${text}, status bigint DEFAULT 1, name ${str}, weight bigint DEFAULT 0, created_time bigint, test_time bigint, response_time bigint, base_url ${str} DEFAULT '', other ${text}, balance double precision, balance_updated_time bigint, models ${text}, ${g} varchar(64) DEFAULT 'default', used_quota bigint DEFAULT 0, model_mapping text, status_code_mapping varchar(1024) DEFAULT '', priority bigint DEFAULT 0, auto_ban bigint DEFAULT 1, other_info ${text}, tag ${str}, setting text, param_override text, header_override text, remark varchar(255), channel_info json, settings ${text})`,
    `CREATE TABLE abilities (${g} varchar(64), model varchar(255), channel_id bigint, enabled ${bool}, priority bigint DEFAULT 0, weight bigint DEFAULT 0, tag ${str}, PRIMARY KEY (${g}, model, channel_id))`,
    `CREATE TABLE options (${k} ${kind === 'mysql' ? 'varchar(191)' : 'text'} PRIMARY KEY, value ${text})`,
    `CREATE TABLE logs (id ${id}, user_id bigint, created_at bigint, type bigint, content ${text}, username ${str} DEFAULT '', token_name ${str} DEFAULT '', model_name ${str} DEFAULT '', quota bigint DEFAULT 0, prompt_tokens bigint DEFAULT 0, completion_tokens bigint DEFAULT 0, use_time bigint DEFAULT 0, is_stream ${bool}, channel_id bigint, channel_name ${text}, token_id bigint DEFAULT 0, ${g} ${str}, ip ${str} DEFAULT '', request_id varchar(64) DEFAULT '', upstream_request_id varchar(128) DEFAULT '', other ${text})`,
    `CREATE TABLE quota_data (id ${id}, user_id bigint, username varchar(64) DEFAULT '', model_name varchar(64) DEFAULT '', created_at bigint, token_used bigint DEFAULT 0, count bigint DEFAULT 0, quota bigint DEFAULT 0)`,
    `CREATE TABLE redemptions (id ${id}, user_id bigint, ${k} char(32) UNIQUE, status bigint DEFAULT 1, name ${str}, quota bigint DEFAULT 100, created_time bigint, redeemed_time bigint, used_user_id bigint, deleted_at ${dt} NULL, expired_time bigint)`,
    `CREATE TABLE vendors (id ${id}, name varchar(128) NOT NULL, description text, icon varchar(128), status bigint DEFAULT 1, created_time bigint, updated_time bigint, deleted_at ${dt} NULL)`,
    `CREATE TABLE models (id ${id}, model_name varchar(128) NOT NULL, description text, icon varchar(128), tags varchar(255), vendor_id bigint, endpoints text, status bigint DEFAULT 1, sync_official bigint DEFAULT 1, created_time bigint, updated_time bigint, deleted_at ${dt} NULL, name_rule bigint DEFAULT 0)`,
    `CREATE TABLE setups (id ${id}, version varchar(50) NOT NULL, initialized_at bigint NOT NULL)`,
  ];
}

export const NEWAPI = {
  rootPassword: 'newapi-root-pass-1',
  alicePassword: 'alice-pass-123',
  aliceAccessToken: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  aliceKey: `${'Q'.repeat(20)}${'w'.repeat(20)}12345678`,
  expiredKey: 'E'.repeat(48),
  deletedKey: 'D'.repeat(48),
  unusedCode: '0123456789abcdef0123456789abcdef',
  usedCode: 'fedcba9876543210fedcba9876543210',
  deletedCode: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  /** consume quotas of alice's logs */
  consume: [1200, 3400, 560],
  now: Math.floor(Date.now() / 1000),
};

export interface NewApiSource {
  db: TestDatabase;
  /** the source as the importer's --from takes it */
  from: string;
  close(): Promise<void>;
}

/** A New API database on `engine` holding a small operator's data; the channel points at `upstream`. */
export async function newApiDatabase(engine: Engine, upstream: string): Promise<NewApiSource> {
  const tdb = await freshDatabase(engine);
  const handle: Databases = openDatabases({ sqlDsn: tdb.dsn, sqlitePath: tdb.sqlitePath, logSqlDsn: '' });
  const db = handle.main.db as unknown as Kysely<any>;
  const kind = engine.name;
  for (const s of ddl(kind)) await sql.raw(s).execute(db);
  const b = (v: boolean) => (kind === 'postgres' ? v : v ? 1 : 0);
  const deleted = '2026-01-02 03:04:05';
  const t = NEWAPI.now - 3 * 86_400;
  await db
    .insertInto('users')
    .values([
      {
        id: 1,
        username: 'nroot',
        password: await hashPassword(NEWAPI.rootPassword),
        display_name: 'Root',
        role: 100,
        status: 1,
        email: '',
        quota: 100_000_000,
        used_quota: 0,
        request_count: 0,
        group: 'default',
        aff_code: 'r00t',
      },
      {
        id: 2,
        username: 'alice',
        password: await hashPassword(NEWAPI.alicePassword),
        display_name: 'Alice',
        role: 1,
        status: 1,
        email: 'a@example.com',
        access_token: NEWAPI.aliceAccessToken,
        quota: 5_000_000,
        used_quota: 5160,
        request_count: 3,
        group: 'default',
        aff_code: 'al1c',
      },
      {
        id: 3,
        username: 'bob',
        password: await hashPassword('bob-pass-1234'),
        display_name: 'Bob',
        role: 1,
        status: 1,
        email: '',
        quota: 10,
        used_quota: 0,
        request_count: 0,
        group: 'vip',
        aff_code: 'b0bb',
        deleted_at: deleted,
      },
    ])
    .execute();
  await db
    .insertInto('tokens')
    .values([
      {
        id: 10,
        user_id: 2,
        key: NEWAPI.aliceKey,
        status: 1,
        name: 'alice-main',
        created_time: t,
        accessed_time: t,
        expired_time: -1,
        remain_quota: 0,
        unlimited_quota: b(true),
        model_limits_enabled: b(false),
        model_limits: '',
        allow_ips: '',
        used_quota: 5160,
        group: '',
      },
      {
        id: 11,
        user_id: 2,
        key: NEWAPI.expiredKey,
        status: 3,
        name: 'old',
        created_time: t,
        accessed_time: t,
        expired_time: t + 60,
        remain_quota: 100,
        unlimited_quota: b(false),
        model_limits_enabled: b(false),
        model_limits: '',
        allow_ips: null,
        used_quota: 0,
        group: '',
      },
      {
        id: 12,
        user_id: 2,
        key: 'X'.repeat(48),
        status: 4,
        name: 'spent',
        created_time: t,
        accessed_time: t,
        expired_time: -1,
        remain_quota: 0,
        unlimited_quota: b(false),
        model_limits_enabled: b(true),
        model_limits: 'gpt-4o-mini',
        allow_ips: '',
        used_quota: 900,
        group: '',
      },
      {
        id: 13,
        user_id: 2,
        key: NEWAPI.deletedKey,
        status: 1,
        name: 'gone',
        created_time: t,
        accessed_time: t,
        expired_time: -1,
        remain_quota: 0,
        unlimited_quota: b(true),
        model_limits_enabled: b(false),
        model_limits: '',
        allow_ips: '',
        used_quota: 0,
        group: '',
        deleted_at: deleted,
      },
    ])
    .execute();
  await db
    .insertInto('channels')
    .values([
      // New API keeps channel keys in clear text
      {
        id: 5,
        type: 1,
        key: 'upstream-secret',
        status: 1,
        name: 'fake openai',
        weight: 1,
        created_time: t,
        test_time: 0,
        response_time: 120,
        base_url: upstream,
        models: 'gpt-4o-mini,tg-import-model',
        group: 'default,vip',
        used_quota: 5160,
        model_mapping: null,
        priority: 0,
        tag: null,
        settings: '{"azure_responses_version":""}',
        channel_info: null,
      },
      {
        id: 6,
        type: 1,
        key: 'dead-key\nupstream-secret\nthird-key',
        status: 1,
        name: 'multi',
        weight: 0,
        created_time: t,
        base_url: upstream,
        models: 'tg-import-model',
        group: 'default',
        used_quota: 0,
        model_mapping: '{"tg-import-model":"gpt-4o-mini"}',
        priority: 5,
        channel_info: JSON.stringify({
          is_multi_key: true,
          multi_key_size: 3,
          multi_key_status_list: { 0: 2 },
          multi_key_mode: 'polling',
        }),
      },
      {
        id: 7,
        type: 3,
        key: 'azure-key',
        status: 1,
        name: 'azure',
        created_time: t,
        base_url: 'https://example.openai.azure.com',
        // New API keeps Azure's api-version here
        other: '2025-01-01-preview',
        models: 'gpt-4o',
        group: 'default',
        used_quota: 0,
        channel_info: null,
      },
      {
        id: 8,
        type: 2,
        key: 'mj-key',
        status: 1,
        name: 'midjourney',
        created_time: t,
        base_url: 'https://mj.example.com',
        models: 'midjourney',
        group: 'default',
        used_quota: 0,
        // where New API notes why it disabled a channel automatically
        other_info: JSON.stringify({ status_reason: 'HTTP 401: invalid key', status_time: t }),
        channel_info: null,
      },
    ])
    .execute();
  await db
    .insertInto('abilities')
    .values([
      { group: 'default', model: 'gpt-4o-mini', channel_id: 5, enabled: b(true), priority: 0, weight: 1 },
    ])
    .execute();
  await db
    .insertInto('options')
    .values([
      { key: 'ModelRatio', value: JSON.stringify({ 'gpt-4o-mini': 0.075, 'tg-import-model': 1 }) },
      { key: 'CompletionRatio', value: JSON.stringify({ 'gpt-4o-mini': 4 }) },
      { key: 'GroupRatio', value: JSON.stringify({ default: 1, vip: 1.5 }) },
      { key: 'Notice', value: 'Moved to Tollgate' },
      { key: 'general_setting.docs_link', value: 'https://docs.example.com' },
      { key: 'QuotaPerUnit', value: '500000' },
      { key: 'SMTPServer', value: 'smtp.example.com' },
      { key: 'RetryTimes', value: 'many' },
    ])
    .execute();
  await db
    .insertInto('redemptions')
    .values([
      {
        id: 1,
        user_id: 1,
        key: NEWAPI.unusedCode,
        status: 1,
        name: 'gift',
        quota: 250_000,
        created_time: t,
        redeemed_time: 0,
        used_user_id: 0,
        expired_time: 0,
      },
      {
        id: 2,
        user_id: 1,
        key: NEWAPI.usedCode,
        status: 3,
        name: 'gift',
        quota: 250_000,
        created_time: t,
        redeemed_time: t + 10,
        used_user_id: 2,
        expired_time: 0,
      },
      {
        id: 3,
        user_id: 1,
        key: NEWAPI.deletedCode,
        status: 1,
        name: 'gift',
        quota: 1,
        created_time: t,
        redeemed_time: 0,
        used_user_id: 0,
        expired_time: 0,
        deleted_at: deleted,
      },
    ])
    .execute();
  await db
    .insertInto('vendors')
    .values([
      {
        id: 1,
        name: 'OpenAI',
        description: 'theirs',
        icon: 'OpenAI',
        status: 1,
        created_time: t,
        updated_time: t,
      },
      {
        id: 2,
        name: 'Acme Labs',
        description: 'a vendor Tollgate does not ship',
        icon: 'Acme',
        status: 1,
        created_time: t,
        updated_time: t,
      },
    ])
    .execute();
  await db
    .insertInto('models')
    .values([
      {
        id: 1,
        model_name: 'tg-import-model',
        description: 'an imported model',
        icon: '',
        tags: 'test',
        vendor_id: 2,
        status: 1,
        created_time: t,
        updated_time: t,
      },
    ])
    .execute();
  const log = (over: Record<string, unknown>) => ({
    user_id: 2,
    username: 'alice',
    token_name: 'alice-main',
    token_id: 10,
    model_name: 'gpt-4o-mini',
    quota: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    use_time: 1,
    is_stream: b(false),
    channel_id: 5,
    group: 'default',
    ip: '',
    content: '',
    other: '',
    ...over,
  });
  await db
    .insertInto('logs')
    .values([
      log({
        created_at: t + 100,
        type: 1,
        content: '通过兑换码充值 ＄0.500000 额度，兑换码ID 2',
        token_id: 0,
        token_name: '',
        model_name: '',
        channel_id: 0,
      }),
      log({
        created_at: t + 200,
        type: 2,
        quota: NEWAPI.consume[0],
        prompt_tokens: 100,
        completion_tokens: 50,
        is_stream: b(true),
        other: '{"model_ratio":0.075,"frt":320}',
        request_id: 'req-1',
      }),
      log({
        created_at: t + 3700,
        type: 2,
        quota: NEWAPI.consume[1],
        prompt_tokens: 300,
        completion_tokens: 80,
        other: '{"model_ratio":0.075}',
      }),
      log({
        created_at: t + 7300,
        type: 2,
        quota: NEWAPI.consume[2],
        prompt_tokens: 20,
        completion_tokens: 10,
        model_name: 'tg-import-model',
      }),
      log({
        created_at: t + 7400,
        type: 3,
        content: 'admin changed quota',
        token_id: 0,
        token_name: '',
        model_name: '',
        channel_id: 0,
      }),
      log({
        created_at: t + 7500,
        type: 4,
        content: 'channel #7 disabled',
        user_id: 0,
        username: '',
        token_id: 0,
        token_name: '',
        model_name: '',
        channel_id: 7,
      }),
      log({ created_at: t + 7600, type: 5, content: 'upstream error: 502', quota: 0 }),
      log({ created_at: t + 7700, type: 6, content: 'refund of a failed task', quota: 0 }),
      // two months old: on PostgreSQL its week's partition is made before the copy
      log({ created_at: t - 60 * 86_400, type: 4, content: 'an old system note', quota: 0, model_name: '' }),
    ])
    .execute();
  await db.insertInto('setups').values({ id: 1, version: 'v0.9.0', initialized_at: t }).execute();
  await handle.close();
  return {
    db: tdb,
    from: tdb.dsn || tdb.sqlitePath,
    close: () => tdb.drop(),
  };
}
