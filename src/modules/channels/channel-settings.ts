import { z } from 'zod';

/** Per-channel upstream time limits (seconds), overriding options RelayTimeout, StreamFirstByteTimeout, StreamIdleTimeout. */
export const TIMEOUT_SETTINGS = {
  relay_timeout: 'callMs',
  stream_first_byte_timeout: 'firstByteMs',
  stream_idle_timeout: 'idleMs',
} as const;

type LimitName = (typeof TIMEOUT_SETTINGS)[keyof typeof TIMEOUT_SETTINGS];
export type ChannelLimits = Partial<Record<LimitName, number>>;

const seconds = z.number().int().min(0).max(86_400);
const API_VERSION = /^[\w.-]{1,40}$/;

/**
 * `settings` as a client sends it: a JSON object, or that object as a JSON string (New API's console sends
 * a string); '' or {} for none. The time limits must be whole seconds (0: the option's value); other keys
 * are kept as they are. Stored as a JSON string.
 */
export const channelSettings = z
  .union([z.string().max(65_535), z.record(z.string(), z.unknown())])
  .transform((v, ctx) => {
    let obj: unknown = v;
    if (typeof v === 'string') {
      if (v.trim() === '') return '';
      try {
        obj = JSON.parse(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"relay_timeout": 60}' });
        return z.NEVER;
      }
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"relay_timeout": 60}' });
      return z.NEVER;
    }
    const o = obj as Record<string, unknown>;
    for (const name of Object.keys(TIMEOUT_SETTINGS)) {
      if (o[name] === undefined) continue;
      if (!seconds.safeParse(o[name]).success) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'must be whole seconds from 0 to 86400' });
        return z.NEVER;
      }
    }
    if (o.responses !== undefined && o.responses !== 'passthrough' && o.responses !== 'convert') {
      ctx.addIssue({ code: 'custom', path: ['responses'], message: 'must be "passthrough" or "convert"' });
      return z.NEVER;
    }
    if (
      o.api_version !== undefined &&
      (typeof o.api_version !== 'string' || !API_VERSION.test(o.api_version))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['api_version'],
        message: 'must be a version such as 2024-10-21 (letters, digits, dots and dashes)',
      });
      return z.NEVER;
    }
    return Object.keys(o).length === 0 ? '' : JSON.stringify(o);
  });

/** The time limits a stored `settings` sets (ms); a missing, zero or unreadable one is left to the option. */
export function channelLimits(settings: string | null | undefined): ChannelLimits | undefined {
  if (!settings) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(settings);
  } catch {
    return undefined;
  }
  const out: ChannelLimits = {};
  for (const [name, limit] of Object.entries(TIMEOUT_SETTINGS)) {
    const s = o?.[name];
    if (typeof s === 'number' && Number.isInteger(s) && s > 0) out[limit] = s * 1000;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `settings.responses` ("passthrough" | "convert"), else by the base URL: passthrough at api.openai.com only. */
export function channelResponsesPassthrough(settings: string | null | undefined, baseUrl: string): boolean {
  try {
    const v = settings ? JSON.parse(settings)?.responses : undefined;
    if (v === 'passthrough') return true;
    if (v === 'convert') return false;
  } catch {
    // unreadable settings: by the base URL
  }
  return baseUrl === '' || /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
}

/** The API version a stored `settings` names (`api_version`: Gemini's path version, Azure's api-version). */
export function channelApiVersion(settings: string | null | undefined): string | undefined {
  if (!settings) return undefined;
  try {
    const v = JSON.parse(settings)?.api_version;
    return typeof v === 'string' && API_VERSION.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
