import type { EventBus } from '../../events.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import type { Candidate, ChannelSource } from '../../shared/channel.ts';
import { channelKind } from '../../shared/channel-types.ts';
import type { ChannelKeyCipher } from './channel-key.ts';
import { channelApiVersion, channelLimits, channelResponsesPassthrough } from './channel-settings.ts';
import type { ChannelListFilter, ChannelRow, ChannelsRepo, PublicChannel } from './channels.repo.ts';
import {
  CHANNEL_STATUS,
  type CreateChannelInput,
  type EditTagInput,
  type UpdateChannelInput,
} from './channels.schema.ts';

/** Where a channel without a base URL goes, by New API channel type. */

export interface ProbeResult {
  ok: boolean;
  /** upstream HTTP status, 0 when none answered */
  status: number;
  ms: number;
  message: string;
}
/** Why an upstream's model list could not be read (no secrets in the message); thrown by `fetchModels`. */
export class UpstreamModelsError extends Error {}

/** One tiny real request to a channel (the relay's upstream client does it). */
export type ChannelProber = (channel: Candidate, model: string) => Promise<ProbeResult>;

export interface ChannelsServiceDeps {
  repo: ChannelsRepo;
  cipher: ChannelKeyCipher;
  events: EventBus;
  probe: ChannelProber;
  /** the upstream's model list (`GET /v1/models` with the key), through the relay's upstream client */
  fetchModels: (c: { type: number; base_url: string; key: string }) => Promise<string[]>;
  /** a stored key that cannot be decrypted (the secret changed): the channel is skipped */
  onKeyError?: (channelId: number, err: unknown) => void;
  now?: () => number;
}

/** Channel administration, and the relay's view of channels (ChannelSource) with keys decrypted. */
export class ChannelsService implements ChannelSource {
  private readonly now: () => number;

  constructor(private readonly d: ChannelsServiceDeps) {
    this.now = d.now ?? (() => Math.floor(Date.now() / 1000));
  }

  async list(f: ChannelListFilter & { page: number }) {
    const { items, total } = await this.d.repo.list(f);
    return { items, total, page: f.page, page_size: f.limit };
  }

  /** Names of these channels (deleted ones are absent). */
  names(ids: Iterable<number>): Promise<Map<number, string>> {
    return this.d.repo.namesByIds([...new Set(ids)].filter((id) => id > 0));
  }

  /** Models enabled channels serve in these groups (all groups when undefined). */
  servedModels(groups?: string[]): Promise<string[]> {
    return this.d.repo.servedModels(groups);
  }

  listedModels(): Promise<string[]> {
    return this.d.repo.listedModels();
  }

  /** A stored channel's upstream model list (its decrypted key never leaves this call). */
  async upstreamModels(id: number): Promise<string[]> {
    const row = await this.d.repo.findWithKey(id);
    if (!row) throw notFound('channel not found');
    return this.d.fetchModels(this.candidate(row));
  }

  /** The model list of an upstream not saved yet (the editor of a new channel). */
  upstreamModelsOf(c: { type: number; base_url: string; key: string }): Promise<string[]> {
    return this.d.fetchModels({ ...c, base_url: c.base_url || baseUrlFor(c.type) });
  }

  /** Enabled channels serving any of these groups → their models (/api/models). */
  modelsByChannel(groups: string[]): Promise<Map<number, string[]>> {
    return this.d.repo.modelsByChannel(groups);
  }

  async get(id: number): Promise<PublicChannel> {
    const row = await this.d.repo.findById(id);
    if (!row) throw notFound('channel not found');
    return row;
  }

  async create(input: CreateChannelInput): Promise<PublicChannel> {
    const row = {
      type: input.type,
      name: input.name,
      key: this.d.cipher.encrypt(input.key),
      base_url: input.base_url || baseUrlFor(input.type),
      models: input.models.join(','),
      group: input.group.join(','),
      model_mapping: input.model_mapping,
      priority: input.priority,
      weight: input.weight,
      status: input.status,
      used_quota: 0,
      response_time: 0,
      test_time: 0,
      tag: input.tag,
      remark: input.remark,
      settings: input.settings,
      created_time: this.now(),
      status_reason: '',
      status_time: 0,
    };
    const id = await this.d.repo.insert(row);
    this.d.events.emit('channel', id);
    const { key: _secret, ...rest } = row;
    return { id, ...rest };
  }

  async update(input: UpdateChannelInput): Promise<PublicChannel> {
    const current = await this.d.repo.findWithKey(input.id);
    if (!current) throw notFound('channel not found');
    const next: ChannelRow = { ...current };
    if (input.name !== undefined) next.name = input.name;
    if (input.type !== undefined) next.type = input.type;
    if (input.key) next.key = this.d.cipher.encrypt(input.key);
    if (input.base_url !== undefined) next.base_url = input.base_url || baseUrlFor(next.type);
    if (input.models !== undefined) next.models = input.models.join(',');
    if (input.group !== undefined) next.group = input.group.join(',');
    if (input.model_mapping !== undefined) next.model_mapping = input.model_mapping;
    if (input.priority !== undefined) next.priority = input.priority;
    if (input.weight !== undefined) next.weight = input.weight;
    if (input.status !== undefined && input.status !== current.status) {
      next.status = input.status;
      next.status_reason = '';
      next.status_time = this.now();
    }
    if (input.tag !== undefined) next.tag = input.tag;
    if (input.remark !== undefined) next.remark = input.remark;
    if (input.settings !== undefined) next.settings = input.settings;
    await this.d.repo.update(next);
    this.d.events.emit('channel', next.id);
    const { key: _secret, ...rest } = next;
    return rest;
  }

  /**
   * A copy of a channel (New API's `POST /api/channel/copy/:id`): the same settings and key (copied
   * encrypted, never seen), named "… (copy)", disabled until the admin enables it, fresh counters.
   */
  async copy(id: number): Promise<PublicChannel> {
    const src = await this.d.repo.findWithKey(id);
    if (!src) throw notFound('channel not found');
    const { id: _id, ...rest } = src;
    const row = {
      ...rest,
      name: `${src.name} (copy)`.slice(0, 128),
      status: CHANNEL_STATUS.ManuallyDisabled,
      used_quota: 0,
      response_time: 0,
      test_time: 0,
      created_time: this.now(),
      status_reason: '',
      status_time: this.now(),
    };
    const copyId = await this.d.repo.insert(row);
    this.d.events.emit('channel', copyId);
    const { key: _secret, ...shown } = row;
    return { id: copyId, ...shown };
  }

  /** Batch delete (one request, one transaction); how many channels went. */
  async deleteMany(ids: readonly number[]): Promise<number> {
    const n = await this.d.repo.deleteMany([...new Set(ids)]);
    this.d.events.emit('channel', 0);
    return n;
  }

  /** Batch enable (1) or disable (2); how many channels changed. */
  async setStatusMany(ids: readonly number[], status: number): Promise<number> {
    const n = await this.d.repo.setStatusMany([...new Set(ids)], status, this.now());
    this.d.events.emit('channel', 0);
    return n;
  }

  /** Every channel with the tag enabled (1) or disabled (2), in one transaction; how many. */
  async setTagStatus(tag: string, status: number): Promise<number> {
    const ids = await this.d.repo.idsByTag(tag);
    if (ids.length === 0) throw notFound(`no channel has the tag "${tag}"`);
    return this.setStatusMany(ids, status);
  }

  /** Tags the channels (`''` removes the tag); how many exist. */
  async setTagMany(ids: readonly number[], tag: string): Promise<number> {
    return this.d.repo.setTagMany([...new Set(ids)], tag);
  }

  /**
   * New API's tag edit: every channel with `tag` takes the fields given (a new tag, models, groups,
   * mapping, priority, weight), serving rows rewritten, all in one transaction; how many changed.
   */
  async editTag(input: EditTagInput): Promise<number> {
    const rows = await this.d.repo.findByTagWithKey(input.tag);
    if (rows.length === 0) throw notFound(`no channel has the tag "${input.tag}"`);
    const next = rows.map((r) => ({
      ...r,
      tag: input.new_tag ?? r.tag,
      models: input.models?.join(',') ?? r.models,
      group: input.groups?.join(',') ?? r.group,
      model_mapping: input.model_mapping ?? r.model_mapping,
      priority: input.priority ?? r.priority,
      weight: input.weight ?? r.weight,
    }));
    await this.d.repo.updateMany(next);
    this.d.events.emit('channel', 0);
    return next.length;
  }

  /** The models of the tag's channel listing the most (New API's tag editor starts from them). */
  async tagModels(tag: string): Promise<string> {
    let best = '';
    for (const models of await this.d.repo.modelsByTag(tag))
      if (!best || models.split(',').length > best.split(',').length) best = models;
    return best;
  }

  async delete(id: number): Promise<void> {
    if (!(await this.d.repo.delete(id))) throw notFound('channel not found');
    this.d.events.emit('channel', id);
  }

  /**
   * Sends one tiny chat request (max_tokens 1) with the channel's key and records the latency. A
   * success re-enables a channel the relay disabled automatically (status 3), never a manual disable.
   */
  async test(id: number, model?: string): Promise<ProbeResult & { time: number }> {
    const row = await this.d.repo.findWithKey(id);
    if (!row) throw notFound('channel not found');
    const models = row.models.split(',').filter(Boolean);
    const chosen = model ?? models[0];
    if (!chosen) throw badRequest('the channel lists no model to test with', 'model');
    const result = await this.d.probe(this.candidate(row), chosen);
    await this.d.repo.recordTest(id, result.ok ? result.ms : row.response_time, this.now());
    if (result.ok && row.status === CHANNEL_STATUS.AutoDisabled) {
      await this.d.repo.setStatus(id, CHANNEL_STATUS.Enabled, this.now(), CHANNEL_STATUS.AutoDisabled);
      this.d.events.emit('channel', id);
    }
    return { ...result, time: Math.round(result.ms) / 1000 };
  }

  // ChannelSource (the relay)

  async routeCandidates(group: string, model: string): Promise<Candidate[]> {
    const rows = await this.d.repo.routeRows(group, model);
    const out: Candidate[] = [];
    for (const r of rows) {
      try {
        const { settings, ...rest } = r;
        out.push({
          ...rest,
          key: this.d.cipher.decrypt(r.key),
          limits: channelLimits(settings),
          apiVersion: channelApiVersion(settings),
          responsesPassthrough: channelResponsesPassthrough(settings, r.base_url),
        });
      } catch (err) {
        this.d.onKeyError?.(r.id, err);
      }
    }
    return out;
  }

  async setStatus(id: number, status: number, from?: number, reason?: string): Promise<void> {
    await this.d.repo.setStatus(id, status, this.now(), from, reason);
  }

  private candidate(row: ChannelRow): Candidate {
    let key: string;
    try {
      key = this.d.cipher.decrypt(row.key);
    } catch {
      throw badRequest(
        'the stored key cannot be decrypted (was CHANNEL_KEY_SECRET changed?): save the key again',
        'key',
      );
    }
    return {
      ...row,
      key,
      limits: channelLimits(row.settings),
      apiVersion: channelApiVersion(row.settings),
      responsesPassthrough: channelResponsesPassthrough(row.settings, row.base_url),
    };
  }
}

/** An empty base URL means the kind's default (Azure has none: its resource URL is the operator's). */
function baseUrlFor(type: number): string {
  return channelKind(type).baseUrl;
}
