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

/** Admin rows: `channel` repeats channel_id for New API clients; `channel_name` from the main database. */
export function adminLogView(row: LogRow, channelNames: ReadonlyMap<number, string>) {
  return {
    ...row,
    is_stream: row.is_stream === 1,
    channel: row.channel_id,
    channel_name: channelNames.get(row.channel_id) ?? '',
  };
}

/** User rows (CONTRACT §3.1): no channel fields at all, no admin_info. */
export function userLogView(row: LogRow) {
  const { channel_id: _channel, other, ...rest } = row;
  return { ...rest, is_stream: row.is_stream === 1, other: stripAdminInfo(other) };
}
