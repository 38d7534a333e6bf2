import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';

/** The database did not answer: a 503 "database unavailable" for clients, never a 500 (CONTRACT §12). */
export class DatabaseUnavailable extends Error {
  readonly code = 'DB_UNAVAILABLE';
}

/** Error codes of a database that is down, restarting, unreachable or full, per driver. */
const CODES = new Set([
  'DB_UNAVAILABLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // SQLite: another process holds the write lock longer than busy_timeout
  'SQLITE_BUSY',
]);
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error|Can't add new command when connection is in closed state|Pool is closed|Connection lost|server closed the connection/i;

/** Whether `err` says the database (not the query) failed. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (CODES.has(code) || /^08/.test(code)) return true;
  return typeof e.message === 'string' && MESSAGES.test(e.message);
}

const PATCHED = Symbol('tollgate.timeouts');

/**
 * A Kysely driver whose connection acquire and every statement give up after `ms` with
 * DatabaseUnavailable: a frozen database (or network) answers clients with 503 within the timeout
 * instead of holding every request (CONTRACT §12). The statement itself is left to the driver (it finishes
 * or fails when the connection does).
 */
class TimeoutDriver implements Driver {
  constructor(
    private readonly d: Driver,
    private readonly ms: number,
  ) {}

  private race<T>(work: Promise<T>, what: string, onLate?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new DatabaseUnavailable(`database unavailable: no ${what} within ${this.ms / 1000} s`));
      }, this.ms);
      work.then(
        (v) => {
          clearTimeout(timer);
          if (done) onLate?.(v);
          else resolve(v);
        },
        (err) => {
          clearTimeout(timer);
          if (!done) reject(err);
        },
      );
    });
  }

  init(): Promise<void> {
    return this.d.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.race(this.d.acquireConnection(), 'connection', (late) => {
      void this.d.releaseConnection(late); // the caller gave up: hand it straight back
    });
    const c = conn as DatabaseConnection & { [PATCHED]?: true };
    if (!c[PATCHED]) {
      const execute = c.executeQuery.bind(c);
      c.executeQuery = (q) => this.race(execute(q), 'answer');
      c[PATCHED] = true;
    }
    return c;
  }

  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.d.beginTransaction(c, s);
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.d.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.d.rollbackTransaction(c);
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.d.releaseConnection(c);
  }
  destroy(): Promise<void> {
    return this.d.destroy();
  }
}

/** `inner` with acquire and statement timeouts; 0 = none (long maintenance work, benchmarks' loads). */
export function withTimeouts(inner: Dialect, ms: number): Dialect {
  if (ms <= 0) return inner;
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new TimeoutDriver(inner.createDriver(), ms),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
  };
}
