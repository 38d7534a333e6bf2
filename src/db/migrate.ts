import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Databases } from './connect.ts';
import type { SqlDialect } from './dialects/types.ts';
import * as logs001 from './migrations/logs-001-init.ts';
import * as logs002 from './migrations/logs-002-filter-indexes.ts';
import * as logs003 from './migrations/logs-003-model-rollup.ts';
import * as logs004 from './migrations/logs-004-log-batches.ts';
import * as logs005 from './migrations/logs-005-imports.ts';
import * as logs006 from './migrations/logs-006-log-models.ts';
import * as logs007 from './migrations/logs-007-partitioned-logs.ts';
import * as logs008 from './migrations/logs-008-user-rollup.ts';
import * as main001 from './migrations/main-001-init.ts';
import * as main002 from './migrations/main-002-default-vendors.ts';
import * as main003 from './migrations/main-003-security.ts';
import * as main004 from './migrations/main-004-ledger-batches.ts';
import * as main005 from './migrations/main-005-call-journal.ts';
import * as main006 from './migrations/main-006-channel-settings.ts';
import * as main007 from './migrations/main-007-redemptions.ts';
import * as main008 from './migrations/main-008-channel-status-reason.ts';

type Step = { up(db: Kysely<any>, d: SqlDialect): Promise<void> };

/** Migrations per database, in order. Names are never changed once released. */
const MAIN: Record<string, Step> = {
  '001-init': main001,
  '002-default-vendors': main002,
  '003-security': main003,
  '004-ledger-batches': main004,
  '005-call-journal': main005,
  '006-channel-settings': main006,
  '007-redemptions': main007,
  '008-channel-status-reason': main008,
};
const LOGS: Record<string, Step> = {
  '001-init': logs001,
  '002-filter-indexes': logs002,
  '003-model-rollup': logs003,
  '004-log-batches': logs004,
  '005-imports': logs005,
  '006-log-models': logs006,
  '007-partitioned-logs': logs007,
  '008-user-rollup': logs008,
};

function provider(steps: Record<string, Step>, d: SqlDialect): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) out[name] = { up: (db) => step.up(db, d) };
      return out;
    },
  };
}

async function run(
  db: Kysely<any>,
  d: SqlDialect,
  steps: Record<string, Step>,
  table: string,
): Promise<string[]> {
  // Kysely's migrator takes a lock table, so instances starting together migrate once.
  const migrator = new Migrator({
    db,
    provider: provider(steps, d),
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Brings both databases to the latest schema; idempotent. Returns the names of migrations applied. */
export async function migrate(dbs: Databases): Promise<string[]> {
  const applied = await run(dbs.main.db, dbs.main.dialect, MAIN, 'tollgate_migrations');
  applied.push(...(await run(dbs.logs.db, dbs.logs.dialect, LOGS, 'tollgate_log_migrations')));
  return applied;
}
