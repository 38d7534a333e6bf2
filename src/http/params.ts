import { z } from 'zod';
import { badRequest, notFound } from './errors.ts';

/**
 * Request parsing with zod. Every failure becomes a 400 naming the field, e.g.
 * "p must be an integer". Query strings arrive as strings; these helpers do the conversion.
 */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'query' | 'body' | 'params',
): z.output<S> {
  const result = schema.safeParse(where === 'query' ? normaliseQuery(input) : (input ?? {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // a path segment that names no resource (`/api/channel/models_typo`) is an unknown route, not bad input
  if (where === 'params') throw notFound('not found');
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  throw badRequest(`${field} ${describe(issue)}`, field);
}

/**
 * The one query rule of every route (CONTRACT §1): an empty value is an absent one (New API's console sends
 * every filter, `channel=&start_timestamp=` included), and `size` or `ps` stand for `page_size` (older
 * New API consoles send them).
 */
export function normaliseQuery(input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== '') out[k] = v;
  if (out.page_size === undefined) {
    const alias = out.size ?? out.ps;
    if (alias !== undefined) out.page_size = alias;
  }
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'too_big' && issue.origin === 'string')
    return `must be at most ${issue.maximum} characters`;
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
  }
  if (issue.code === 'too_small') return `must be at least ${issue.minimum}`;
  if (issue.code === 'too_big') return `must be at most ${issue.maximum}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** An integer from a query string: "12" → 12; "1.5", "12abc", "abc" → 400. */
export const queryInt = () =>
  z
    .string()
    .regex(/^-?\d{1,15}$/, { message: 'must be an integer' })
    .transform(Number);

/** The ids of a batch action's body (`{ids: [...]}`, New API's shape): 1 to `max` positive integers. */
export const batchIds = (max: number) => z.array(z.number().int().positive()).min(1).max(max);

/** An id from a path parameter. */
export const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, { message: 'must be a positive integer' })
    .transform(Number),
});

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Pagination per CONTRACT §1/§8: p ≤ 0 → 1, page_size ≤ 0 → 20, > 100 → 100; non-integers → 400. */
export const pageQuery = {
  p: queryInt().optional(),
  page_size: queryInt().optional(),
};

export function pageOf(q: { p?: number; page_size?: number }): {
  page: number;
  pageSize: number;
  offset: number;
} {
  const page = q.p === undefined || q.p <= 0 ? 1 : q.p;
  const raw = q.page_size === undefined || q.page_size <= 0 ? DEFAULT_PAGE_SIZE : q.page_size;
  const pageSize = Math.min(raw, MAX_PAGE_SIZE);
  return { page, pageSize, offset: (page - 1) * pageSize };
}
