import type { LogTypeValue } from '../../shared/enums.ts';

export { LogType, type LogTypeValue } from '../../shared/enums.ts';

/** What a caller hands the writer; the writer fills defaults and the timestamp. */
export interface LogEntry {
  type: LogTypeValue;
  user_id: number;
  username: string;
  content: string;
  created_at?: number;
  token_id?: number;
  token_name?: string;
  model_name?: string;
  quota?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  use_time?: number;
  is_stream?: boolean;
  channel_id?: number;
  group?: string;
  ip?: string;
  request_id?: string;
  /** serialised into the `other` JSON string column */
  other?: Record<string, unknown>;
  /**
   * Whether the row is stored, and whether it counts in the hourly rollup, decided by the caller when
   * the event happened (a relay call captures LogConsumeEnabled / DataExportEnabled as it starts).
   * Absent: the writer's `store` / `rollup` rules at write() time.
   */
  keep?: boolean;
  rollup?: boolean;
  /**
   * Called once the row's batch has committed (or the row was dropped from a full buffer): the relay
   * settles a call's quota only after its log is stored, so that a crash in between leaves a journal row
   * the recovery can settle from the log (relay/journal.ts). Not called for rows spooled at shutdown.
   */
  onDone?: () => void;
}

/** Every part of the system writes logs through this. */
export interface LogWriter {
  /** Queues one entry; never blocks the caller on the database. */
  write(entry: LogEntry): void;
  /** Resolves when everything queued before the call is stored. */
  flush(): Promise<void>;
  /** Flushes and stops; later writes are refused. */
  close(): Promise<void>;
}
