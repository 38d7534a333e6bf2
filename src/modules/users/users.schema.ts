import { z } from 'zod';
import { batchIds, pageQuery } from '../../http/params.ts';

export { ROLE, USER_STATUS } from '../../shared/enums.ts';

const username = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\s]+$/, { message: 'must not contain spaces' });
const password = z.string().min(8).max(72); // bcrypt reads 72 bytes at most

export const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
});

export const registerBody = z.object({
  username,
  password,
  display_name: z.string().trim().max(64).optional(),
  email: z.string().trim().max(128).optional(),
});

export const createUserBody = registerBody.extend({
  role: z.union([z.literal(1), z.literal(10)]).optional(),
  group: z.string().trim().min(1).max(64).optional(),
  quota: z.number().int().min(0).optional(),
});

export const updateUserBody = z.object({
  id: z.number().int().positive(),
  username: username.optional(),
  password: z.union([z.literal(''), password]).optional(),
  display_name: z.string().trim().max(64).optional(),
  email: z.string().trim().max(128).optional(),
  group: z.string().trim().min(1).max(64).optional(),
  quota: z.number().int().min(0).optional(),
});

export const updateSelfBody = z.object({
  username: username.optional(),
  password: z.union([z.literal(''), password]).optional(),
  original_password: z.string().max(128).optional(),
  display_name: z.string().trim().max(64).optional(),
  email: z.string().trim().max(128).optional(),
});

export const manageBody = z.object({
  id: z.number().int().positive(),
  action: z.enum(['disable', 'enable', 'delete', 'promote', 'demote', 'add_quota']),
  mode: z.enum(['add', 'subtract', 'override']).optional(),
  value: z.number().int().positive().optional(),
  remark: z.string().max(255).optional(),
});

/** The console's batch action (Tollgate's own route): at most 100 users a request. */
export const manageManyBody = z.object({
  ids: batchIds(100),
  action: z.enum(['enable', 'disable', 'delete']),
});

export const listUsersQuery = z.object({ ...pageQuery, keyword: z.string().max(64).optional() });

/** GET /api/user/models: `group` narrows the answer to one usable group. */
export const userModelsQuery = z.object({ group: z.string().trim().max(64).optional() });
