import { z } from 'zod';
import { pageQuery, queryInt } from '../../http/params.ts';

const text = (max: number) => z.string().max(max).optional();

/** CONTRACT §3.2 common filters (strings are exact matches; model_name may use % as a wildcard). */
const filterFields = {
  type: queryInt()
    .refine((v) => v >= 0 && v <= 5, { message: 'must be 0 (all) or 1–5' })
    .optional(),
  start_timestamp: queryInt().optional(),
  end_timestamp: queryInt().optional(),
  token_name: text(64),
  model_name: text(191),
  group: text(64),
  request_id: text(64),
};
const adminFields = { username: text(64), channel: queryInt().optional() };

/** `cursor` continues a listing after the last row of the previous page (deep paging without OFFSET). */
const cursor = z
  .string()
  .regex(/^\d{1,15}_\d{1,15}$/, { message: 'must be a next_cursor value from a previous page' })
  .optional();

/** `order=asc`: oldest first (the console finds the oldest log this way); `cursor` pages newest first only. */
const order = z.enum(['desc', 'asc']).optional();
export const adminListQuery = z.object({ ...filterFields, ...adminFields, ...pageQuery, cursor, order });
export const selfListQuery = z.object({ ...filterFields, ...pageQuery, cursor });
export const adminStatQuery = z.object({ ...filterFields, ...adminFields });
export const selfStatQuery = z.object(filterFields);
export const adminExportQuery = z.object({
  ...filterFields,
  ...adminFields,
  bom: z.enum(['0', '1']).optional(),
});
export const selfExportQuery = z.object({ ...filterFields, bom: z.enum(['0', '1']).optional() });

export const searchQuery = z.object({
  keyword: z
    .string()
    .trim()
    .max(191)
    .refine((v) => v.length > 0, { message: 'is required' }),
});

export const tokenLogsQuery = z.object({ key: z.string().max(128).optional() });

export const deleteQuery = z.object({ target_timestamp: queryInt().optional() });

export type AdminListQuery = z.output<typeof adminListQuery>;
