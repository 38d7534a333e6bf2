import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types shared by every engine. Conventions: times are integer Unix seconds, money is integer
 * quota, booleans are 0/1 integers (one representation on all three engines), JSON lives in text.
 */

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password: string; // bcrypt hash
  display_name: string;
  role: number; // 1 user, 10 admin, 100 root
  status: number; // 1 enabled, 2 disabled
  email: string;
  group: string;
  quota: number;
  used_quota: number;
  request_count: number;
  /** sha256 hex of the access token; null until one is generated */
  access_token_hash: string | null;
  /** bumped to end every session of the user (logout, password change, disable, delete, demote) */
  session_version: Generated<number>;
  created_at: number;
  /** soft delete: the row (and its name) stays, the user is gone for every other purpose */
  deleted_at: number | null;
}

export interface TokensTable {
  id: Generated<number>;
  user_id: number;
  /** keyed hash (HMAC-SHA256 hex) of the key without "sk-": the relay's lookup; the plain key only in
   * rows not yet converted (key_enc null), e.g. just imported from New API */
  key: string;
  /** the key, encrypted (AES-256-GCM), for `POST /api/token/:id/key`; null until converted */
  key_enc: string | null;
  /** masked key for lists: `sk-abcd****wxyz` */
  key_hint: Generated<string>;
  name: string;
  status: number; // 1 enabled, 2 disabled, 3 expired, 4 exhausted
  created_time: number;
  accessed_time: number;
  expired_time: number; // -1 never
  remain_quota: number;
  unlimited_quota: number;
  used_quota: number;
  model_limits_enabled: number;
  model_limits: string;
  allow_ips: string;
  group: string;
}

export interface ChannelsTable {
  id: Generated<number>;
  type: number;
  name: string;
  key: string; // encrypted at rest
  base_url: string;
  models: string;
  group: string;
  model_mapping: string;
  priority: number;
  weight: number;
  status: number; // 1 enabled, 2 manually disabled, 3 automatically disabled
  used_quota: number;
  response_time: number; // ms
  test_time: number;
  tag: string;
  remark: string;
  created_time: number;
  /** JSON object of per-channel settings ('' or null: none); see channels/channel-settings.ts */
  settings: string | null;
  /** why the status last changed when the relay changed it ('' otherwise); New API's other_info.status_reason */
  status_reason: string;
  /** when the status last changed (seconds; 0 unknown) */
  status_time: number;
}

/** The serving table ("abilities" in New API): one row per (group, model, channel). */
export interface AbilitiesTable {
  group: string;
  model: string;
  channel_id: number;
  enabled: number;
  priority: number;
  weight: number;
}

export interface OptionsTable {
  key: string;
  value: string;
}

export interface LogsTable {
  id: Generated<number>;
  user_id: number;
  username: string;
  created_at: number;
  type: number; // 1 top-up, 2 consume, 3 manage, 4 error, 5 system
  content: string;
  token_id: number;
  token_name: string;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
  use_time: number;
  is_stream: number;
  channel_id: number;
  group: string;
  ip: string;
  request_id: string;
  other: string;
}

export interface QuotaDataTable {
  id: Generated<number>;
  user_id: number;
  username: string;
  model_name: string;
  token_id: number;
  channel_id: number;
  group: string;
  created_at: number; // UTC hour start
  count: number;
  quota: number;
  token_used: number;
}

/** Site-wide hourly rollup per model (logs-003). */
export interface QuotaDataModelTable {
  id: Generated<number>;
  model_name: string;
  group: string;
  created_at: number; // UTC hour start
  count: number;
  quota: number;
  token_used: number;
}

/** quota_data summed per (user, hour, model): a user's chart (migration logs-008) */
export interface QuotaDataUserTable {
  id: Generated<number>;
  user_id: number;
  created_at: number; // UTC hour start
  model_name: string;
  count: number;
  quota: number;
  token_used: number;
}

export interface VendorsTable {
  id: Generated<number>;
  name: string;
  description: string;
  icon: string;
  status: number;
  created_time: number;
  updated_time: number;
}

export interface ModelMetaTable {
  id: Generated<number>;
  model_name: string;
  description: string;
  icon: string;
  tags: string;
  vendor_id: number;
  status: number;
  created_time: number;
  updated_time: number;
}

/** Redemption codes (migration main-007): the code stored as a keyed hash plus an encrypted copy. */
export interface RedemptionsTable {
  id: Generated<number>;
  /** the admin who created it */
  user_id: number;
  /** HMAC of the code (the lookup) */
  key: string;
  key_enc: string | null;
  key_hint: string;
  /** 1 unused, 2 disabled, 3 used */
  status: number;
  name: string;
  quota: number;
  created_time: number;
  redeemed_time: number;
  used_user_id: number;
  /** 0: never */
  expired_time: number;
}

export interface SetupTable {
  id: Generated<number>;
  version: string;
  initialized_at: number;
}

/** A relay call whose reservation is not settled yet (migration main-005, the reservation journal). */
export interface PendingCallsTable {
  request_id: string;
  /** the instance serving the call (relay_instances.id) */
  owner: string;
  user_id: number;
  token_id: number;
  /** 1: the token has a remain_quota the reservation was taken from */
  limited: number;
  /** quota reserved so far (grows as a stream extends its reservation) */
  amount: number;
  created_at: number;
  username: string;
  token_name: string;
  model_name: string;
  group: string;
  ip: string;
  path: string;
  is_stream: number;
  rollup: number;
}

/** Tables of the main database. */
export interface MainDatabase {
  pending_calls: PendingCallsTable;
  redemptions: RedemptionsTable;
  /** relay instances alive, by their last heartbeat (unix seconds) */
  relay_instances: { id: string; seen_at: number };
  users: UsersTable;
  tokens: TokensTable;
  channels: ChannelsTable;
  abilities: AbilitiesTable;
  options: OptionsTable;
  vendors: VendorsTable;
  model_meta: ModelMetaTable;
  setup: SetupTable;
}

/** Tables of the log database (the main one unless LOG_SQL_DSN is set). Rollups sit with the logs so
 * that one transaction writes both. */
export interface LogDatabase {
  /** log batches written (migration logs-004): a retried or replayed batch that had landed is skipped */
  log_batches: { id: string; created_at: number };
  /** import progress (migration logs-005): the last source log id copied */
  imports: { name: string; last_id: number; updated_at: number };
  /** every model name with a log (migration logs-006): `%` model filters expand against it */
  log_models: { model_name: string; log_count: number };
  logs: LogsTable;
  quota_data: QuotaDataTable;
  quota_data_model: QuotaDataModelTable;
  quota_data_user: QuotaDataUserTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type LogRow = Selectable<LogsTable>;
export type NewLog = Insertable<LogsTable>;
