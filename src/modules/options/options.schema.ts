import { z } from 'zod';

/** New API clients send strings; others send native JSON. Stored as the string form. */
export const putOptionBody = z.object({
  key: z.string().min(1).max(64),
  value: z
    .union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .transform((v) => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))),
});
