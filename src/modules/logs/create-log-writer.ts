import type { FastifyBaseLogger } from 'fastify';
import type { DbHandle } from '../../db/connect.ts';
import type { LogDatabase, NewLog } from '../../db/schema.ts';
import type { OptionsService } from '../options/options.service.ts';
import { addToRollup } from '../usage-data/rollup.ts';
import { LogType } from './log-types.ts';
import { BatchLogWriter } from './log-writer.ts';

/**
 * The one log pipeline (CONTRACT §3, §4): every module writes through it; consume rows are stored while
 * LogConsumeEnabled is on, every row counts in the hourly rollup while DataExportEnabled is on (both
 * decided when the row is written, unless the entry says), in the batch's own transaction; what the log
 * database cannot take at shutdown goes to `spoolPath`.
 */
export function createLogWriter(d: {
  logs: DbHandle<LogDatabase>;
  options: OptionsService;
  log: FastifyBaseLogger;
  spoolPath?: string;
  onBatch?: (rows: number, seconds: number) => void;
  /** the live tail (log-tail.ts), fed with each committed batch */
  tail?: { publish(rows: readonly NewLog[]): void };
}): BatchLogWriter {
  return new BatchLogWriter({
    db: d.logs.db,
    dialect: d.logs.dialect,
    store: (row) => row.type !== LogType.Consume || d.options.bool('LogConsumeEnabled'),
    rollup: () => d.options.bool('DataExportEnabled'),
    inTransaction: (trx, rows) => addToRollup(trx, d.logs.dialect, rows),
    onError: (err, attempt) => d.log.error({ err, attempt }, 'log batch failed; retrying'),
    spoolPath: d.spoolPath,
    onBatch: d.onBatch,
    onCommitted: d.tail ? (rows) => d.tail!.publish(rows) : undefined,
    onSpool: (event, rows, path) =>
      d.log.warn(
        { rows, path },
        event === 'spooled' ? 'log rows spooled to disk' : 'spooled log rows written',
      ),
  });
}
