import { z } from 'zod';
import { queryInt } from '../../http/params.ts';
import { isTimeZone } from './tz.ts';

const common = {
  start_timestamp: queryInt().optional(),
  end_timestamp: queryInt().optional(),
  granularity: z.enum(['hour', 'day']).default('hour'),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'must be an IANA time zone such as Asia/Tokyo' })
    .default('UTC'),
};

/** `token_id`: one of the caller's own tokens (the filter keeps the caller's user id: another's is empty). */
export const selfDataQuery = z.object({ ...common, token_id: queryInt().optional() });
export const adminDataQuery = z.object({
  ...common,
  username: z.string().max(64).optional(),
  token_id: queryInt().optional(),
  channel: queryInt().optional(),
});
