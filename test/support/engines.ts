import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { type Databases, openDatabases } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';

export type EngineName = 'sqlite' | 'postgres' | 'mysql';
export interface Engine {
  name: EngineName;
  /** server URL (admin database) for postgres/mysql */
  url?: string;
}

const skipped = new Set<string>();

/**
 * The engines storage tests run on: SQLite always; PostgreSQL and MariaDB/MySQL when TEST_PG_URL /
 * TEST_MYSQL_URL are set (.ci/run sets them, so in CI they run). A skipped engine says so in one line.
 */
export function engines(): Engine[] {
  const list: Engine[] = [{ name: 'sqlite' }];
  const pgUrl = process.env.TEST_PG_URL;
  const myUrl = process.env.TEST_MYSQL_URL;
  if (pgUrl) list.push({ name: 'postgres', url: pgUrl });
  else note('postgres', 'TEST_PG_URL is not set: PostgreSQL storage tests skipped');
  if (myUrl) list.push({ name: 'mysql', url: myUrl });
  else note('mysql', 'TEST_MYSQL_URL is not set: MariaDB/MySQL storage tests skipped');
  return list;
}

function note(key: string, line: string): void {
  if (skipped.has(key)) return;
  skipped.add(key);
  console.log(`# skip: ${line}`);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  dsn: string;
  sqlitePath: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of that engine, dropped afterwards: test files never share state. */
export async function freshDatabase(engine: Engine): Promise<TestDatabase> {
  const name = `tg_test_${randomBytes(6).toString('hex')}`;
  if (engine.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    return {
      dsn: '',
      sqlitePath: join(dir, 'test.db'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (engine.name === 'postgres') {
    const admin = new pg.Client({ connectionString: engine.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      dsn: withDatabase(engine.url!, name),
      sqlitePath: '',
      drop: async () => {
        const c = new pg.Client({ connectionString: engine.url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const conn = await createConnection(engine.url!);
  await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await conn.end();
  return {
    dsn: withDatabase(engine.url!, name),
    sqlitePath: '',
    drop: async () => {
      const c = await createConnection(engine.url!);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** Opens and migrates a fresh database; `close` closes and drops it. */
export async function openTestDatabases(
  engine: Engine,
): Promise<{ dbs: Databases; db: TestDatabase; close(): Promise<void> }> {
  const db = await freshDatabase(engine);
  const dbs = openDatabases({ sqlDsn: db.dsn, sqlitePath: db.sqlitePath, logSqlDsn: '' });
  await migrate(dbs);
  return {
    dbs,
    db,
    async close() {
      await dbs.close();
      await db.drop();
    },
  };
}
