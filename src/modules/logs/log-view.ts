import type { LogRow } from '../../db/schema.ts';

/** `other` without `admin_info` (the channel retry chain), for user views. */
export function stripAdminInfo(other: string): string {
  if (!other.includes('admin_info')) return other;
  try {
    const parsed = JSON.parse(other);
    if (parsed && typeof parsed === 'object') delete parsed.admin_info;
    return JSON.stringify(parsed);
  } catch {
    return '';
  }
}

/** What the views read of a row: a stored one (lists), or one just written (the live tail: no id yet). */
type ViewRow = Pick<LogRow, 'channel_id' | 'is_stream' | 'other'>;

/** Admin rows: `channel` repeats channel_id for New API clients; `channel_name` from the main database. */
export function adminLogView<R extends ViewRow>(row: R, channelNames: ReadonlyMap<number, string>) {
  return {
    ...row,
    is_stream: Boolean(row.is_stream),
    channel: row.channel_id,
    channel_name: channelNames.get(row.channel_id) ?? '',
  };
}

/** User rows (CONTRACT §3.1): no channel fields at all, no admin_info. */
export function userLogView<R extends ViewRow>(row: R) {
  const { channel_id: _channel, other, ...rest } = row;
  return { ...rest, is_stream: Boolean(row.is_stream), other: stripAdminInfo(other) };
}
