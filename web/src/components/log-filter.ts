import { LogType } from '../../../src/shared/enums.ts';
import type { Query } from '../api/client.ts';

/** The filters of CONTRACT §3.2 as the console holds them. */
export interface LogFilter {
  type?: number;
  range?: [Date, Date];
  token_name?: string;
  model_name?: string;
  group?: string;
  request_id?: string;
  username?: string;
  channel?: string;
}

export function filterQuery(f: LogFilter): Query {
  return {
    type: f.type || undefined,
    start_timestamp: f.range ? Math.floor(f.range[0].getTime() / 1000) : undefined,
    end_timestamp: f.range ? Math.floor(f.range[1].getTime() / 1000) : undefined,
    token_name: f.token_name?.trim(),
    model_name: f.model_name?.trim(),
    group: f.group?.trim(),
    request_id: f.request_id?.trim(),
    username: f.username?.trim(),
    channel: f.channel?.trim(),
  };
}

export const LOG_TYPES: {
  value: number;
  label: string;
  color: 'green' | 'blue' | 'orange' | 'red' | 'grey';
}[] = [
  { value: LogType.TopUp, label: 'Top-up', color: 'green' },
  { value: LogType.Consume, label: 'Consume', color: 'blue' },
  { value: LogType.Manage, label: 'Manage', color: 'orange' },
  { value: LogType.Error, label: 'Error', color: 'red' },
  { value: LogType.System, label: 'System', color: 'grey' },
];
