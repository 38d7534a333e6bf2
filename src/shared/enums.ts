/**
 * The numbers of the wire format (CONTRACT §2, §3, §6), one declaration for server and console. New API's
 * numbering, except log types 4 and 5 (swapped, CONTRACT §3).
 */

export const ROLE = { User: 1, Admin: 10, Root: 100 } as const;

export const USER_STATUS = { Enabled: 1, Disabled: 2 } as const;

export const TOKEN_STATUS = { Enabled: 1, Disabled: 2, Expired: 3, Exhausted: 4 } as const;

export const CHANNEL_STATUS = { Enabled: 1, ManuallyDisabled: 2, AutoDisabled: 3 } as const;

export const REDEMPTION_STATUS = { Unused: 1, Disabled: 2, Used: 3 } as const;

/** Log types, numbered as in seed 001 (New API swaps 4 and 5: an importer must map them). */
export const LogType = {
  TopUp: 1,
  Consume: 2,
  Manage: 3,
  Error: 4,
  System: 5,
} as const;
export type LogTypeValue = (typeof LogType)[keyof typeof LogType];

/** New API's channel type numbers the relay speaks in a format of their own; every other type is OpenAI-compatible. */
export const CHANNEL_TYPE = { OpenAI: 1, Azure: 3, Anthropic: 14, Gemini: 24 } as const;
