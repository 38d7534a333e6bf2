/**
 * The upstream kinds the relay reaches, by New API's channel type numbers (CONTRACT §7): the wire format
 * each speaks and where it lives by default. Runtime-free: the relay picks adapters by it, the channels
 * module fills empty base URLs from it, the importer decides what it can serve, the console lists it.
 */
export type WireFormat = 'openai' | 'azure' | 'anthropic' | 'gemini';

export interface ChannelKind {
  type: number;
  label: string;
  format: WireFormat;
  baseUrl: string;
  /** the upstream has OpenAI's own `/v1/responses` (else Responses calls are converted through chat) */
  responses?: boolean;
  /** the channel's `api_version` setting applies (Azure's api-version, Gemini's path version) and its default */
  apiVersion?: string;
}

export const CHANNEL_KINDS: readonly ChannelKind[] = [
  { type: 1, label: 'OpenAI', format: 'openai', baseUrl: 'https://api.openai.com', responses: true },
  { type: 3, label: 'Azure OpenAI', format: 'azure', baseUrl: '', apiVersion: '2024-10-21' },
  { type: 4, label: 'Ollama', format: 'openai', baseUrl: 'http://localhost:11434' },
  { type: 14, label: 'Anthropic', format: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  { type: 20, label: 'OpenRouter', format: 'openai', baseUrl: 'https://openrouter.ai/api' },
  {
    type: 24,
    label: 'Gemini',
    format: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiVersion: 'v1beta',
  },
  { type: 25, label: 'Moonshot', format: 'openai', baseUrl: 'https://api.moonshot.cn' },
  { type: 40, label: 'SiliconFlow', format: 'openai', baseUrl: 'https://api.siliconflow.cn' },
  { type: 42, label: 'Mistral', format: 'openai', baseUrl: 'https://api.mistral.ai' },
  { type: 43, label: 'DeepSeek', format: 'openai', baseUrl: 'https://api.deepseek.com' },
  { type: 48, label: 'xAI', format: 'openai', baseUrl: 'https://api.x.ai' },
];

const BY_TYPE = new Map(CHANNEL_KINDS.map((k) => [k.type, k]));

/** Any other type number (New API's custom 8, and the rest) speaks the OpenAI format at its own base URL. */
const OTHER: ChannelKind = {
  type: 0,
  label: 'OpenAI-compatible',
  format: 'openai',
  baseUrl: 'https://api.openai.com',
};

export function channelKind(type: number): ChannelKind {
  return BY_TYPE.get(type) ?? OTHER;
}

/** Whether the relay knows the type by name (others are served as OpenAI-compatible). */
export function isKnownChannelType(type: number): boolean {
  return BY_TYPE.has(type);
}
