/**
 * The wire types of `/api` (CONTRACT §1, §3, §5), declared once for the server that answers them and the
 * console that reads them.
 */

/** The `/api` envelope (CONTRACT §1). */
export interface Envelope<T> {
  success: boolean;
  message: string;
  data?: T;
}

/** A page of a list (CONTRACT §1); log lists add the capped count and the keyset cursor (CONTRACT §3). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  /** logs: true when more rows match than `total` says (counting stops at 10,000) */
  total_capped?: boolean;
  /** logs: pass as `cursor` for the next page at any depth; null after the last row */
  next_cursor?: string | null;
}

/** One row of a log list as answered (admin rows add `channel`/`channel_name`; user rows drop them). */
export interface LogItem {
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
  /** New API's name for channel_id (admin rows) */
  channel?: number;
  channel_name?: string;
  group: string;
  ip: string;
  request_id: string;
  /** JSON text: ratios, first response time, usage source, attempts (admin rows) */
  other: string;
}

/** One model of `/api/pricing` (CONTRACT §5). */
export interface PricingItem {
  model_name: string;
  enable_group: string[];
  /** the same list under the name New API's console reads */
  enable_groups?: string[];
  model_ratio: number;
  completion_ratio: number;
  model_price: number;
  /** 0 ratio-billed, 1 per-request price */
  quota_type: 0 | 1;
  description: string;
  vendor_id: number;
  supported_endpoint_types: number[];
}

/** A vendor as `/api/pricing` lists it. */
export interface PricingVendor {
  id: number;
  name: string;
  description: string;
  icon: string;
}
