/**
 * The relay's view of a channel, as the channels module provides it (types only: runtime-free, shared by
 * the relay, which uses them, and the channels module, which implements them).
 */

/** Upstream time limits of one attempt (ms), from options RelayTimeout, StreamFirstByteTimeout, StreamIdleTimeout. */
export interface AttemptLimits {
  /** a whole non-stream call: headers and body */
  callMs: number;
  /** a stream's response headers */
  firstByteMs: number;
  /** the longest silence inside a body */
  idleMs: number;
}

/** A channel able to serve a (group, model) pair, as the channels module hands it out (key decrypted). */
export interface Candidate {
  id: number;
  name: string;
  type: number;
  base_url: string;
  key: string;
  model_mapping: string;
  priority: number;
  weight: number;
  /** the channel's own upstream time limits (channels.settings), over the options' */
  limits?: Partial<AttemptLimits>;
  /** `api_version` of the channel's settings (Gemini's path version), when set */
  apiVersion?: string;
  /**
   * Whether Responses calls go to the upstream's own /v1/responses (OpenAI's type): `settings.responses`
   * "passthrough" or "convert", else passthrough only at api.openai.com (a type 1 channel elsewhere is
   * often another provider without it)
   */
  responsesPassthrough?: boolean;
}

/** The channels module, as the relay uses it. */
export interface ChannelSource {
  routeCandidates(group: string, model: string): Promise<Candidate[]>;
  /** `from`: only when the channel has that status now; `reason`: why (shown on the channels page) */
  setStatus(id: number, status: number, from?: number, reason?: string): Promise<unknown>;
}
