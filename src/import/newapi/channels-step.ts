import { ChannelsRepo } from '../../modules/channels/channels.repo.ts';
import { channelKind, isKnownChannelType } from '../../shared/channel-types.ts';
import type { NewApiImporter } from './importer.ts';
import { int, str } from './source.ts';

/** Channel types the relay speaks (8 is New API's custom OpenAI-compatible); the others are imported disabled. */
const spoken = (type: number) => type === 8 || isKnownChannelType(type);

/** Where a New API channel without a base URL goes, by type (8, custom, and Azure have none: imported disabled). */
const defaultBaseUrl = (type: number) => (isKnownChannelType(type) ? channelKind(type).baseUrl : '');

/**
 * New API keeps Azure's api-version and Gemini's API version in the channel's `other` column; Tollgate in
 * `settings.api_version`.
 */
function withApiVersion(settings: string, type: number, other: string): string {
  if (!channelKind(type).apiVersion || !/^[\w.-]{1,40}$/.test(other)) return settings;
  let o: Record<string, unknown> = {};
  try {
    const parsed = settings ? JSON.parse(settings) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) o = parsed;
  } catch {
    // unreadable settings: replaced by the version alone
  }
  return JSON.stringify({ ...o, api_version: o.api_version ?? other });
}

/**
 * Channels: the same channel by type and name; keys encrypted on the way in; serving rows rebuilt in the
 * channel's own transaction; multi-key channels keep their first enabled key.
 */
export async function importChannels(run: NewApiImporter): Promise<void> {
  const r = run.table('channels');
  const repo = new ChannelsRepo(run.dbs.main);
  const cols = [
    'id',
    'type',
    'key',
    'status',
    'name',
    'weight',
    'created_time',
    'test_time',
    'response_time',
    'base_url',
    'models',
    'group',
    'used_quota',
    'model_mapping',
    'priority',
    'tag',
    'remark',
    'settings',
    'channel_info',
    'other',
    'other_info',
  ];
  // a channel is the same channel by type and name (channels have no other natural key); they number in
  // the hundreds, so Tollgate's are read once
  const existing = new Map(
    (await run.dbs.main.db.selectFrom('channels').select(['id', 'type', 'name']).execute()).map((c) => [
      `${c.type}|${c.name}`,
      c.id,
    ]),
  );
  for await (const rows of run.batches('channels', cols)) {
    const taken = await run.takenIds(
      'channels',
      rows.map((c) => int(c.id)),
    );
    for (const c of rows) {
      r.source += 1;
      const src = int(c.id);
      const id = src;
      const ident = `${int(c.type, 1)}|${str(c.name).slice(0, 128) || `channel ${src}`}`;
      const same = existing.get(ident);
      if (same !== undefined) {
        run.channelIds.set(src, same);
        r.present += 1;
        continue;
      }
      let key = str(c.key).trim();
      let info: { is_multi_key?: boolean; multi_key_status_list?: Record<string, number> } = {};
      try {
        info = JSON.parse(str(c.channel_info) || '{}') ?? {};
      } catch {
        // unreadable channel_info: a single-key channel
      }
      if (info.is_multi_key) {
        const keys = key.startsWith('[')
          ? (JSON.parse(key) as unknown[]).map((k) => str(k))
          : key
              .split('\n')
              .map((k) => k.trim())
              .filter(Boolean);
        const first = keys.findIndex((_, i) => (info.multi_key_status_list?.[i] ?? 1) === 1);
        key = keys[first >= 0 ? first : 0] ?? '';
        run.o.note?.(
          `channel #${id} "${str(c.name)}": multi-key (${keys.length} keys); imported with its first enabled key (Tollgate has one key per channel)`,
        );
      }
      const type = int(c.type, 1);
      let status = int(c.status, 1);
      const baseUrl = str(c.base_url).replace(/\/+$/, '') || defaultBaseUrl(type);
      if ((!spoken(type) || !baseUrl) && status === 1) {
        status = 2;
        run.o.note?.(
          `channel #${id} "${str(c.name)}": ${baseUrl ? `type ${type} is not spoken by the relay yet` : 'no base URL'}; imported disabled`,
        );
      }
      const row = {
        id: taken.has(src) ? 0 : src,
        type,
        name: str(c.name).slice(0, 128) || `channel ${id}`,
        key: run.o.cipher.encrypt(key),
        base_url: baseUrl,
        models: str(c.models),
        group: str(c.group, 'default') || 'default',
        model_mapping: str(c.model_mapping),
        priority: int(c.priority),
        weight: int(c.weight),
        status,
        used_quota: int(c.used_quota),
        response_time: int(c.response_time),
        test_time: int(c.test_time),
        tag: str(c.tag).slice(0, 64),
        remark: str(c.remark).slice(0, 255),
        created_time: int(c.created_time),
        settings: withApiVersion(str(c.settings), type, str(c.other)),
        ...statusNote(str(c.other_info)),
      };
      existing.set(ident, src);
      let target = src;
      if (!run.o.dryRun) {
        // the channel and its serving rows (models × groups) in one transaction
        if (row.id) await repo.insertWithId(row);
        else {
          if (run.dbs.main.dialect.kind === 'postgres') await run.resyncSequence('channels');
          const { id: _new, ...rest } = row;
          target = await repo.insert(rest);
        }
      }
      run.channelIds.set(src, target);
      r.imported += 1;
    }
  }
}

/** New API's `other_info.status_reason` / `status_time` (why the relay disabled the channel), when readable. */
function statusNote(otherInfo: string): { status_reason: string; status_time: number } {
  try {
    const o = JSON.parse(otherInfo || '{}') as { status_reason?: unknown; status_time?: unknown };
    return {
      status_reason: typeof o?.status_reason === 'string' ? o.status_reason.slice(0, 255) : '',
      status_time: typeof o?.status_time === 'number' && o.status_time > 0 ? Math.floor(o.status_time) : 0,
    };
  } catch {
    return { status_reason: '', status_time: 0 };
  }
}
