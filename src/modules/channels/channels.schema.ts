import { z } from 'zod';
import { batchIds, pageQuery, queryInt } from '../../http/params.ts';
import { commaList } from '../tokens/tokens.schema.ts';
import { channelSettings } from './channel-settings.ts';

export { CHANNEL_STATUS } from '../../shared/enums.ts';

const url = z
  .string()
  .trim()
  .max(512)
  .refine((v) => v === '' || /^https?:\/\/[^\s/]+/i.test(v), {
    message: 'must be an http:// or https:// URL',
  })
  .transform((v) => v.replace(/\/+$/, ''));

/** `{"asked model": "model sent upstream"}` as a JSON string; '' means none. */
const modelMapping = z
  .string()
  .max(65_535)
  .superRefine((v, ctx) => {
    if (v.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON object such as {"gpt-4o": "gpt-4o-2024-11-20"}',
      });
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of model name to model name' });
    else if (Object.values(parsed).some((x) => typeof x !== 'string' || x === ''))
      ctx.addIssue({ code: 'custom', message: 'values must be non-empty model names (strings)' });
  })
  .transform((v) => (v.trim() === '' ? '' : JSON.stringify(JSON.parse(v))));

const fields = {
  name: z.string().trim().min(1).max(128),
  /** New API's channel type numbers; 14 speaks Anthropic Messages, 24 Gemini, every other type the OpenAI format */
  type: z.number().int().min(1).max(1000),
  key: z.string().trim().max(8192),
  base_url: url,
  models: commaList(191),
  group: commaList(64),
  model_mapping: modelMapping,
  priority: z.number().int().min(-1_000_000).max(1_000_000),
  weight: z.number().int().min(0).max(1_000_000),
  status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  tag: z.string().trim().max(64),
  remark: z.string().trim().max(255),
  settings: channelSettings,
};

export const createChannelBody = z.object({
  name: fields.name,
  type: fields.type.default(1),
  key: fields.key.min(1, { message: 'is required' }),
  base_url: fields.base_url.default(''),
  models: fields.models.refine((m) => m.length > 0, { message: 'must list at least one model' }),
  group: fields.group.default(['default']).transform((g) => (g.length > 0 ? g : ['default'])),
  model_mapping: fields.model_mapping.default(''),
  priority: fields.priority.default(0),
  weight: fields.weight.default(0),
  status: fields.status.default(1),
  tag: fields.tag.default(''),
  remark: fields.remark.default(''),
  settings: fields.settings.default(''),
});
/** Batch actions: at most 500 ids a request (New API's `POST /api/channel/batch` body is `{ids}`). */
const ids = batchIds(500);
export const batchDeleteBody = z.object({ ids });
export const batchStatusBody = z.object({ ids, status: z.union([z.literal(1), z.literal(2)]) });
/** POST /api/channel/batch/tag (New API): `tag` null or '' removes it. */
export const batchTagBody = z.object({
  ids,
  tag: fields.tag.nullable().transform((t) => t ?? ''),
});
/** POST /api/channel/tag/enabled|disabled, GET /api/channel/tag/models */
export const tagBody = z.object({ tag: fields.tag.min(1, { message: 'is required' }) });
/**
 * PUT /api/channel/tag (New API's tag edit): fields present apply to every channel with `tag`. New API
 * sends `models` and `groups` as comma lists and null or '' for "leave as is".
 */
const keepIfEmpty = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (v === null || v === '' ? undefined : v), s.optional());
export const editTagBody = z.object({
  tag: fields.tag.min(1, { message: 'is required' }),
  new_tag: keepIfEmpty(fields.tag),
  models: keepIfEmpty(fields.models.refine((m) => m.length > 0, { message: 'must list at least one model' })),
  groups: keepIfEmpty(fields.group.refine((g) => g.length > 0, { message: 'must list at least one group' })),
  model_mapping: z.preprocess((v) => (v === null ? undefined : v), fields.model_mapping.optional()),
  priority: z.preprocess((v) => (v === null ? undefined : v), fields.priority.optional()),
  weight: z.preprocess((v) => (v === null ? undefined : v), fields.weight.optional()),
});
export type EditTagInput = z.output<typeof editTagBody>;

export type CreateChannelInput = z.output<typeof createChannelBody>;

/** PUT: fields present replace, absent keep; an empty `key` keeps the stored key. */
export const updateChannelBody = z.object({
  id: z.number().int().positive(),
  name: fields.name.optional(),
  type: fields.type.optional(),
  key: fields.key.optional(),
  base_url: fields.base_url.optional(),
  models: fields.models.refine((m) => m.length > 0, { message: 'must list at least one model' }).optional(),
  group: fields.group.transform((g) => (g.length > 0 ? g : ['default'])).optional(),
  model_mapping: fields.model_mapping.optional(),
  priority: fields.priority.optional(),
  weight: fields.weight.optional(),
  status: fields.status.optional(),
  tag: fields.tag.optional(),
  remark: fields.remark.optional(),
  settings: fields.settings.optional(),
});
export type UpdateChannelInput = z.output<typeof updateChannelBody>;

export const listChannelsQuery = z.object({
  ...pageQuery,
  status: queryInt().optional(),
  type: queryInt().optional(),
  group: z.string().trim().max(64).optional(),
  model: z.string().trim().max(191).optional(),
  /** name, tag or base URL contains it */
  keyword: z.string().trim().max(128).optional(),
  /** exactly this tag */
  tag: z.string().trim().max(64).optional(),
});

/** POST /api/channel/fetch_models: an upstream not saved yet. */
export const fetchModelsBody = z.object({
  type: fields.type.default(1),
  base_url: fields.base_url.default(''),
  key: fields.key
    .transform((k) => k.split('\n')[0].trim())
    .refine((k) => k !== '', { message: 'is required' }),
});

export const testChannelQuery = z.object({ model: z.string().trim().min(1).max(191).optional() });
