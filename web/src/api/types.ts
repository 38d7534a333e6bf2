import type { LogItem, PricingItem, PricingVendor } from '../../../src/shared/wire.ts';

export type { PricingItem } from '../../../src/shared/wire.ts';
/** Wire shapes of CONTRACT §3–6, as the console reads them. */
export type { Page } from './client.ts';
export interface Status {
  system_name: string;
  version: string;
  start_time: number;
  setup: boolean;
  quota_per_unit: number;
  display_in_currency: boolean;
  logo: string;
  footer_html: string;
  server_address: string;
  register_enabled: boolean;
  expose_ratio_enabled?: boolean;
}

export interface SessionUser {
  id: number;
  username: string;
  display_name: string;
  role: number;
  status: number;
  group: string;
}

export interface User extends SessionUser {
  quota: number;
  used_quota?: number;
  request_count?: number;
  email?: string;
}

/** A log list row (the server's LogItem). */
export type LogRow = LogItem;

export interface LogStat {
  quota: number;
  rpm: number;
  tpm: number;
}

export interface UsageRow {
  model_name: string;
  count: number;
  quota: number;
  token_used: number;
  created_at: number;
  user_id?: number;
  username?: string;
}

export interface Token {
  id: number;
  name: string;
  key: string;
  status: number;
  remain_quota: number;
  used_quota?: number;
  unlimited_quota: boolean;
  expired_time: number;
  created_time?: number;
  model_limits_enabled: boolean;
  model_limits: string;
  allow_ips: string;
  group: string;
}

export interface Channel {
  id: number;
  name: string;
  type: number;
  base_url: string;
  models: string;
  group: string;
  model_mapping: string;
  priority: number;
  weight: number;
  status: number;
  /** JSON object of per-channel settings ('' = none): relay_timeout and the other time limits, in seconds */
  settings?: string;
  response_time?: number;
  test_time?: number;
  tag?: string;
  remark?: string;
  used_quota?: number;
  /** why the relay disabled it (status 3), and when the status last changed */
  status_reason?: string;
  status_time?: number;
  /** the relay's failures in a row since its last success, and until when routing skips it (ms; 0 none) */
  failures?: number;
  cooling_until?: number;
}

export type Vendor = PricingVendor;

export interface Pricing {
  data: PricingItem[];
  vendors?: Vendor[];
  group_ratio?: Record<string, number>;
  usable_group?: Record<string, string>;
  supported_endpoint?: Record<string, { method: string; path: string }>;
}

export interface OptionRow {
  key: string;
  value: string;
}

export { ROLE } from '../../../src/shared/enums.ts';

/** A redemption code as the admin list shows it (the whole code while unused). */
export interface Redemption {
  id: number;
  name: string;
  key: string;
  /** 1 unused, 2 disabled, 3 used */
  status: number;
  quota: number;
  created_time: number;
  redeemed_time: number;
  used_user_id: number;
  /** 0: never */
  expired_time: number;
}
