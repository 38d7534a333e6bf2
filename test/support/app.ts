import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { type AppDeps, buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { AppContext } from '../../src/context.ts';
import { type Engine, openTestDatabases } from './engines.ts';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  engine: Engine;
  /** app.inject returning parsed JSON */
  call(opts: InjectOptions): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * Configuration for a test app: silent, a fixed secret, and a log spool of its own in the temp folder
 * (never the repository's ./data, which another test app would replay).
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'test-session-secret-0123456789',
    LOG_SPOOL_PATH: join(tmpdir(), `tollgate-spool-${randomBytes(6).toString('hex')}.ndjson`),
    ...env,
  });
}

/** The whole app on a fresh database of `engine`, without a port. */
export async function startTestApp(
  engine: Engine,
  env: Record<string, string> = {},
  patch: Partial<Config> = {},
  deps: Pick<AppDeps, 'timeouts' | 'logStream'> = {},
): Promise<TestApp> {
  const handle = await openTestDatabases(engine);
  const config = { ...testConfig(env), ...patch };
  const { app, ctx } = await buildApp({ config, dbs: handle.dbs, ...deps });
  await app.ready();
  return asTestApp(app, ctx, engine, () => handle.close());
}

/** A built app as tests drive it; `closeDatabases` runs after the app is closed. */
export function asTestApp(
  app: FastifyInstance,
  ctx: AppContext,
  engine: Engine,
  closeDatabases: () => Promise<void>,
): TestApp {
  return {
    app,
    ctx,
    engine,
    async call(opts) {
      const res = await app.inject(opts);
      let body: any = res.body;
      try {
        body = res.json();
      } catch {
        // not JSON (CSV, empty)
      }
      return { status: res.statusCode, body, headers: res.headers };
    },
    async close() {
      // a test's clients may leave keep-alive connections behind: close does not wait 72 s for them
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await closeDatabases();
    },
  };
}

export interface Actor {
  id: number;
  username: string;
  /** headers authenticating as this user (access token + New-Api-User) */
  headers: Record<string, string>;
}

/** Runs first-run setup and returns the root user with an access token. */
export async function setupRoot(t: TestApp, username = 'root', password = 'root-password-1'): Promise<Actor> {
  const setup = await t.call({
    method: 'POST',
    url: '/api/setup',
    payload: { username, password, confirmPassword: password },
  });
  if (setup.status !== 200) throw new Error(`setup failed: ${JSON.stringify(setup.body)}`);
  return loginActor(t, username, password);
}

export async function loginActor(t: TestApp, username: string, password: string): Promise<Actor> {
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/user/login',
    payload: { username, password },
  });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const id = login.json().data.id as number;
  const cookie = login.cookies.find((c) => c.name === 'session')!;
  const tok = await t.call({
    method: 'GET',
    url: '/api/user/token',
    cookies: { session: cookie.value },
    headers: { 'New-Api-User': String(id) },
  });
  return { id, username, headers: { Authorization: `Bearer ${tok.body.data}`, 'New-Api-User': String(id) } };
}

/** Creates a user through the admin API and logs it in. */
export async function createActor(
  t: TestApp,
  admin: Actor,
  username: string,
  extra: { role?: number; quota?: number; group?: string } = {},
): Promise<Actor> {
  const password = `${username}-password`;
  const res = await t.call({
    method: 'POST',
    url: '/api/user/',
    headers: admin.headers,
    payload: { username, password, ...extra },
  });
  if (res.status !== 200) throw new Error(`create user failed: ${JSON.stringify(res.body)}`);
  return loginActor(t, username, password);
}
