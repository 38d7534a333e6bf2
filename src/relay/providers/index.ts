import { channelKind } from '../../shared/channel-types.ts';
import { anthropic } from './anthropic/index.ts';
import { messagesCodec } from './anthropic/messages.ts';
import { azure } from './azure/index.ts';
import { viaChat } from './convert.ts';
import { geminiCodec } from './gemini/inbound.ts';
import { gemini } from './gemini/index.ts';
import { openAiCompatible, openAiFamily } from './openai-compatible/index.ts';
import { responsesCodec } from './openai-compatible/responses-stream.ts';
import type { Endpoint, InboundCodec, ProviderAdapter } from './types.ts';

const families = new Map<number, ProviderAdapter>();

/** The adapter of a channel type (CONTRACT §7); unknown types speak the OpenAI format. */
export function baseAdapter(type: number): ProviderAdapter {
  const kind = channelKind(type);
  if (kind.format === 'anthropic') return anthropic;
  if (kind.format === 'gemini') return gemini;
  if (kind.format === 'azure') return azure;
  if (kind.responses) return openAiCompatible;
  let a = families.get(kind.type);
  if (!a) {
    a = openAiFamily(kind);
    families.set(kind.type, a);
  }
  return a;
}

/** The inbound formats that can be converted through chat. */
export const CODECS: Partial<Record<Endpoint, InboundCodec>> = {
  messages: messagesCodec,
  responses: responsesCodec,
  gemini: geminiCodec,
};

const composed = new Map<string, ProviderAdapter>();

/**
 * The adapter that serves `endpoint` on a channel of `type`: its own when it speaks that format
 * (passthrough), else a conversion through chat, else null (the channel cannot serve the call).
 */
export function adapterFor(
  type: number,
  endpoint: Endpoint = 'chat',
  channel?: { responsesPassthrough?: boolean },
): ProviderAdapter | null {
  const base = baseAdapter(type);
  if (speaksNatively(type, endpoint, channel)) return base;
  const codec = CODECS[endpoint];
  if (!codec || !base.supports('chat')) return null;
  const key = `${type}|${endpoint}`;
  let a = composed.get(key);
  if (!a) {
    a = viaChat(codec, base);
    composed.set(key, a);
  }
  return a;
}

/**
 * Whether a channel of `type` answers `endpoint` in that format itself (no conversion); Responses only
 * where the channel says its upstream has them (`Candidate.responsesPassthrough`).
 */
export function speaksNatively(
  type: number,
  endpoint: Endpoint,
  channel?: { responsesPassthrough?: boolean },
): boolean {
  if (endpoint === 'responses' && channel?.responsesPassthrough === false) return false;
  return baseAdapter(type).supports(endpoint);
}
