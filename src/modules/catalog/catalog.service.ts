import type { EventBus } from '../../events.ts';
import { badRequest, conflict, notFound } from '../../http/errors.ts';
import type { CatalogRepo, ModelMeta, Vendor } from './catalog.repo.ts';
import type { ModelMetaInput, VendorInput } from './catalog.schema.ts';

type Table = 'vendors' | 'model_meta';
const LABEL = { vendors: 'vendor', model_meta: 'model metadata' } as const;

/** Admin CRUD for vendors and model metadata; every change announces 'modelMeta' (the pricing cache). */
export class CatalogService {
  constructor(
    private readonly repo: CatalogRepo,
    private readonly events: EventBus,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  vendors(): Promise<Vendor[]> {
    return this.repo.vendors();
  }

  metas(): Promise<ModelMeta[]> {
    return this.repo.metas();
  }

  async vendor(id: number): Promise<Vendor> {
    return (await this.repo.vendor(id)) ?? this.missing('vendors');
  }

  async meta(id: number): Promise<ModelMeta> {
    return (await this.repo.meta(id)) ?? this.missing('model_meta');
  }

  async createVendor(input: VendorInput): Promise<Vendor> {
    return this.vendor(await this.create('vendors', input.name, input));
  }

  async createMeta(input: ModelMetaInput): Promise<ModelMeta> {
    await this.checkVendor(input.vendor_id);
    return this.meta(await this.create('model_meta', input.model_name, input));
  }

  async updateVendor(id: number, patch: Partial<VendorInput>): Promise<Vendor> {
    await this.vendor(id);
    await this.update('vendors', id, patch.name, patch);
    return this.vendor(id);
  }

  async updateMeta(id: number, patch: Partial<ModelMetaInput>): Promise<ModelMeta> {
    await this.meta(id);
    if (patch.vendor_id !== undefined) await this.checkVendor(patch.vendor_id);
    await this.update('model_meta', id, patch.model_name, patch);
    return this.meta(id);
  }

  async delete(table: Table, id: number): Promise<void> {
    if (!(await this.repo.delete(table, id))) this.missing(table);
    this.events.emit('modelMeta', id);
  }

  private async create(table: Table, name: string, input: object): Promise<number> {
    if ((await this.repo.idByName(table, name)) !== undefined)
      throw conflict(`${LABEL[table]} "${name}" exists already`);
    const t = this.now();
    const id = await this.repo.insert(table, { ...input, created_time: t, updated_time: t });
    this.events.emit('modelMeta', id);
    return id;
  }

  private async update(table: Table, id: number, name: string | undefined, patch: object): Promise<void> {
    if (name !== undefined) {
      const other = await this.repo.idByName(table, name);
      if (other !== undefined && other !== id) throw conflict(`${LABEL[table]} "${name}" exists already`);
    }
    const { id: _id, ...fields } = patch as { id?: number };
    await this.repo.update(table, id, { ...fields, updated_time: this.now() });
    this.events.emit('modelMeta', id);
  }

  private async checkVendor(id: number): Promise<void> {
    if (id !== 0 && !(await this.repo.vendor(id)))
      throw badRequest(`vendor_id ${id} does not exist`, 'vendor_id');
  }

  private missing(table: Table): never {
    throw notFound(`${LABEL[table]} not found`);
  }
}
