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

export interface LogRow {
  id: number;
  user_id: number;
  username: string;
  created_at: number;
  type: number;
  content: string;
  token_id: number;
  token_name: string;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
  use_time: number;
  is_stream: boolean;
  channel_id?: number;
  channel_name?: string;
  group: string;
  ip: string;
  request_id: string;
  other: string;
}

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
}

export interface PricingItem {
  model_name: string;
  enable_group: string[];
  model_ratio: number;
  completion_ratio: number;
  model_price: number;
  quota_type: number;
  description?: string;
  vendor_id?: number;
  supported_endpoint_types?: number[];
}

export interface Vendor {
  id: number;
  name: string;
  description?: string;
  icon?: string;
}

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
