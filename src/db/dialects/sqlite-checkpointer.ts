import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that pushes
 * the WAL past its threshold: it copies every page written since the last one into the database file and
 * fsyncs both files, on the thread that committed, which here is the event loop. With the log indexes
 * the log writer's commits spent 59 % of its time in them (docs/PERFORMANCE.md "Ingest").
 *
 * A worker thread with its own connection to the same file (started once the WAL passes 1 MiB) runs
 * `wal_checkpoint(PASSIVE)` every `everyMs`: PASSIVE takes no lock a reader or the writer waits for, it copies what it can and leaves the
 * rest for the next round. Once all of the WAL has been copied, the next write starts it again from the
 * beginning, so it stays small while the server is busy. The main connection keeps an automatic
 * checkpoint at a far higher mark (`SAFETY_PAGES`) as a floor in case the worker falls behind or is gone.
 */
export const SAFETY_PAGES = 16_384; // 64 MiB of 4 KiB pages

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); tick(); db.close(); process.exit(0); }
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export interface Checkpointer {
  /** whether the worker thread is running (it starts once the WAL has grown) */
  readonly started: boolean;
  stop(): Promise<void>;
}

/**
 * Starts the worker once the WAL file passes `startAtBytes` (checked every `watchMs` with a stat): a
 * database that is never written much (a CLI run, most tests, a quiet install) never pays for a thread.
 * Until then the WAL stays below that size, which needs no checkpoint.
 */
export function startCheckpointer(
  path: string,
  { everyMs = 200, watchMs = 1000, startAtBytes = 1024 * 1024 } = {},
): Checkpointer {
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  const watch = setInterval(() => {
    let size = 0;
    try {
      size = statSync(`${path}-wal`).size;
    } catch {
      return; // no WAL yet
    }
    if (size < startAtBytes) return;
    clearInterval(watch);
    worker = new Worker(WORKER, { eval: true, workerData: { path, everyMs, driver } });
    worker.unref(); // never what keeps a process alive
    worker.on('error', () => {}); // the automatic checkpoint at SAFETY_PAGES still bounds the WAL
    const w = worker;
    exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  }, watchMs);
  watch.unref();
  let stopped: Promise<void> | undefined;
  return {
    get started() {
      return worker !== undefined;
    },
    stop() {
      if (!stopped) {
        clearInterval(watch);
        if (!worker) stopped = Promise.resolve();
        else {
          worker.postMessage('stop');
          const w = worker;
          const kill = setTimeout(() => void w.terminate(), 2000);
          stopped = exited.finally(() => clearTimeout(kill));
        }
      }
      return stopped;
    },
  };
}
