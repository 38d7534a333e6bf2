import { z } from 'zod';

const status = z.union([z.literal(1), z.literal(2)]);
const icon = z.string().trim().max(512);
const description = z.string().max(4096);

const vendor = { name: z.string().trim().min(1).max(128), description, icon, status };
const meta = {
  model_name: z.string().trim().min(1).max(191),
  description,
  icon,
  tags: z.string().trim().max(255),
  vendor_id: z.number().int().min(0),
  status,
};

export const vendorBody = z.object({
  name: vendor.name,
  description: description.default(''),
  icon: icon.default(''),
  status: status.default(1),
});
/** PUT: fields present replace, absent keep (no defaults here). */
export const vendorUpdateBody = z
  .object({ id: z.number().int().positive() })
  .extend(z.object(vendor).partial().shape);

export const modelMetaBody = z.object({
  model_name: meta.model_name,
  description: description.default(''),
  icon: icon.default(''),
  tags: meta.tags.default(''),
  vendor_id: meta.vendor_id.default(0),
  status: status.default(1),
});
export const modelMetaUpdateBody = z
  .object({ id: z.number().int().positive() })
  .extend(z.object(meta).partial().shape);

export type VendorInput = z.output<typeof vendorBody>;
export type ModelMetaInput = z.output<typeof modelMetaBody>;
