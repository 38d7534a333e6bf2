import type { Candidate } from '../shared/channel.ts';
import type { Pricing } from './billing.ts';
import type { Endpoint, ProviderAdapter } from './providers/types.ts';
import type { Reservation } from './quota.repo.ts';
import type { RelayAuth } from './token-auth.ts';
import type { UpstreamResponse } from './upstream.ts';

export type { Candidate, ChannelSource } from '../shared/channel.ts';

/** One upstream attempt, as listed in the log's `other.admin_info.attempts`. */
export interface Attempt {
  channel_id: number;
  channel_name: string;
  /** upstream HTTP status, 0 when none answered */
  status: number;
  ms: number;
  error?: string;
}

/** Everything known about one relay call, built once before the upstream is called. */
export interface RelayContext {
  requestId: string;
  ip: string;
  path: string;
  endpoint: Endpoint;
  body: Record<string, any>;
  /** the body in OpenAI chat form (the body itself for chat; converted once for Messages, Responses, Gemini) */
  chat: Record<string, any>;
  /** client headers a passthrough forwards (Anthropic's version and beta flags) */
  forward?: Record<string, string>;
  /** the model the client asked for: routing, pricing and the log use it */
  model: string;
  stream: boolean;
  clientWantsUsage: boolean;
  /** Date.now() at arrival */
  startedAt: number;
  auth: RelayAuth;
  pricing: Pricing;
  candidates: Candidate[];
  /** prompt tokens as estimated for the reservation */
  promptEstimate: number;
  /** completion tokens the reservation covers (`max_tokens`, else option DefaultCompletionReserve) */
  completionReserve: number;
  /** LogConsumeEnabled and DataExportEnabled as they were when the call was made (CONTRACT §8) */
  record: { log: boolean; rollup: boolean };
  reservation: Reservation;
}

/** A successful upstream answer (status 2xx), with the channel and adapter that produced it. */
export interface Dispatched {
  channel: Candidate;
  adapter: ProviderAdapter;
  res: UpstreamResponse;
  attempts: Attempt[];
  /** ends the non-stream call's time limit: called once the answer has been read (or abandoned) */
  release?: () => void;
}
