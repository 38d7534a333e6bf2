import { z } from 'zod';
import { pageQuery, queryInt } from '../../http/params.ts';

export { REDEMPTION_STATUS } from '../../shared/enums.ts';

const name = z.string().trim().min(1).max(20);
const quota = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const expiredTime = z
  .number()
  .int()
  .min(0)
  .refine((v) => v === 0 || v > Math.floor(Date.now() / 1000), {
    message: 'must be 0 (never) or a Unix time in the future',
  });

/** POST /api/redemption/: `count` codes at once (New API's console also sends `amount`, ignored). */
export const createRedemptionBody = z.object({
  name,
  quota,
  count: z.number().int().min(1).max(100).default(1),
  expired_time: expiredTime.default(0),
});
export type CreateRedemptionInput = z.output<typeof createRedemptionBody>;

/** PUT /api/redemption/ (`?status_only=true`: only `status` counts, as New API's enable/disable sends it). */
export const updateRedemptionBody = z.object({
  id: z.number().int().positive(),
  name: name.optional(),
  quota: quota.optional(),
  expired_time: expiredTime.optional(),
  status: z.union([z.literal(1), z.literal(2)]).optional(),
});
export type UpdateRedemptionInput = z.output<typeof updateRedemptionBody>;

export const updateRedemptionQuery = z.object({ status_only: z.string().max(8).optional() });

export const listRedemptionsQuery = z.object({
  ...pageQuery,
  /** an id, the start of a name, or a whole code */
  keyword: z.string().trim().max(64).optional(),
  status: z.union([z.enum(['1', '2', '3', 'expired']), queryInt()]).optional(),
});

/** POST /api/user/topup */
export const redeemBody = z.object({ key: z.string().trim().min(1).max(64) });
