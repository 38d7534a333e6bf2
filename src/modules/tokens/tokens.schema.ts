import { z } from 'zod';
import { allowIpsError } from '../../http/ip-allow.ts';
import { batchIds, idParams, pageQuery } from '../../http/params.ts';

export { TOKEN_STATUS } from '../../shared/enums.ts';

/** New API clients send booleans; older ones 0/1. */
const flag = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((v) => v === true || v === 1);

/** A comma list, trimmed, empty entries and repeats dropped. */
export const commaList = (maxItem: number) =>
  z
    .string()
    .max(65_535)
    .transform((v) => [...new Set(v.split(',').map((s) => s.trim()))].filter(Boolean))
    .refine((items) => items.every((s) => s.length <= maxItem), {
      message: `entries must be at most ${maxItem} characters`,
    });

const fields = {
  name: z.string().trim().min(1).max(50),
  remain_quota: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  unlimited_quota: flag,
  expired_time: z
    .number()
    .int()
    .refine((v) => v === -1 || v > 0, { message: 'must be -1 (never) or a Unix time in seconds' }),
  model_limits_enabled: flag,
  model_limits: commaList(191).transform((items) => items.join(',')),
  allow_ips: z
    .string()
    .max(4096)
    .superRefine((v, ctx) => {
      const problem = allowIpsError(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((v) =>
      v
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean)
        .join('\n'),
    ),
  group: z.string().trim().max(64),
};

export const createTokenBody = z.object({
  name: fields.name,
  remain_quota: fields.remain_quota.default(0),
  unlimited_quota: fields.unlimited_quota.default(false),
  expired_time: fields.expired_time.default(-1),
  model_limits_enabled: fields.model_limits_enabled.default(false),
  model_limits: fields.model_limits.default(''),
  allow_ips: fields.allow_ips.default(''),
  group: fields.group.default(''),
});
export type CreateTokenInput = z.output<typeof createTokenBody>;

/** PUT: fields present replace, fields absent keep. Status 3/4 are set by the system only. */
export const updateTokenBody = z.object({
  id: z.number().int().positive(),
  name: fields.name.optional(),
  status: z.union([z.literal(1), z.literal(2)]).optional(),
  remain_quota: fields.remain_quota.optional(),
  unlimited_quota: fields.unlimited_quota.optional(),
  expired_time: fields.expired_time.optional(),
  model_limits_enabled: fields.model_limits_enabled.optional(),
  model_limits: fields.model_limits.optional(),
  allow_ips: fields.allow_ips.optional(),
  group: fields.group.optional(),
});
export type UpdateTokenInput = z.output<typeof updateTokenBody>;

export const updateTokenQuery = z.object({
  status_only: z.enum(['', '0', '1', 'true', 'false']).optional(),
});

export const listTokensQuery = z.object({ ...pageQuery });
/** Batch actions on the caller's own tokens: at most 500 ids a request (New API's body is `{ids}`). */
const ids = batchIds(500);
export const batchTokensBody = z.object({ ids });
export const batchTokenStatusBody = z.object({
  ids,
  status: z.union([z.literal(1), z.literal(2)]),
});
/**
 * GET /api/token/search: `keyword` in the name, or `token`, a whole key (keys are stored hashed: no
 * partial match). New API's newer console pages it (`p`, `size`) and reads a page; older ones read an array.
 */
export const searchTokensQuery = z.object({
  keyword: z.string().trim().max(64).optional(),
  token: z.string().trim().max(128).optional(),
  ...pageQuery,
});
export { idParams };
