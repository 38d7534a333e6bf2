import type { Kysely } from 'kysely';
import { mysqlDialect } from './dialects/mysql.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { sqliteDialect, stopCheckpointer } from './dialects/sqlite.ts';
import type { SqlDialect } from './dialects/types.ts';
import type { LogDatabase, MainDatabase } from './schema.ts';

export interface DbHandle<DB> {
  db: Kysely<DB>;
  dialect: SqlDialect;
}

/** The databases the app talks to. `logs` is the same handle as `main` unless LOG_SQL_DSN is set. */
export interface Databases {
  main: DbHandle<MainDatabase>;
  logs: DbHandle<LogDatabase>;
  separateLogDb: boolean;
  close(): Promise<void>;
}

export function dialectFor(dsn: string): SqlDialect {
  if (dsn === '') return sqliteDialect;
  if (/^postgres(ql)?:\/\//.test(dsn)) return postgresDialect;
  if (dsn.startsWith('mysql://')) return mysqlDialect;
  throw new Error('unsupported database DSN');
}

export function openHandle<DB>(dsn: string, sqlitePath: string, timeoutMs = 0): DbHandle<DB> {
  const dialect = dialectFor(dsn);
  return { db: dialect.open(dsn === '' ? sqlitePath : dsn, timeoutMs) as Kysely<DB>, dialect };
}

/**
 * `servingTimeoutMs`: the serving process bounds every acquire and statement (CONTRACT §12, DB_TIMEOUT_MS);
 * migrations, rebuilds and benchmarks' loads open without a bound (0, the default). Named apart from
 * Config's `dbTimeoutMs` so that passing a Config never sets it by accident.
 */
export function openDatabases(opts: {
  sqlDsn: string;
  sqlitePath: string;
  logSqlDsn: string;
  servingTimeoutMs?: number;
}): Databases {
  const main = openHandle<MainDatabase>(opts.sqlDsn, opts.sqlitePath, opts.servingTimeoutMs);
  const separate = opts.logSqlDsn !== '';
  const logs = separate
    ? openHandle<LogDatabase>(opts.logSqlDsn, opts.sqlitePath, opts.servingTimeoutMs)
    : (main as unknown as DbHandle<LogDatabase>);
  return {
    main,
    logs,
    separateLogDb: separate,
    async close() {
      await main.db.destroy();
      if (separate) await logs.db.destroy();
      await Promise.all([stopCheckpointer(main.db), stopCheckpointer(logs.db)]);
    },
  };
}
