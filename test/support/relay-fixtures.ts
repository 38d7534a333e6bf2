/**
 * Rows the relay tests need (tokens, channels with their serving rows, pricing options) and an `openai`
 * client on the app listening on a loopback port.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { AppDeps } from '../../src/app.ts';
import { createChannelBody } from '../../src/modules/channels/channels.schema.ts';
import type { JournalRow } from '../../src/relay/quota.repo.ts';
import { type Actor, createActor, setupRoot, startTestApp, type TestApp } from './app.ts';
import type { Engine } from './engines.ts';
import { type FakeBehavior, type FakeUpstream, startFakeUpstream } from './fake-upstream.ts';

export interface TokenSeed {
  user_id: number;
  name?: string;
  status?: number;
  expired_time?: number;
  remain_quota?: number;
  unlimited_quota?: boolean;
  model_limits?: string;
  allow_ips?: string;
  group?: string;
}

/** Inserts a token (its key sealed as the app stores keys); returns its id and full `sk-…` key. */
export async function seedToken(t: TestApp, s: TokenSeed): Promise<{ id: number; key: string }> {
  const key = randomBytes(24).toString('hex');
  const id = await t.ctx.dbs.main.dialect.insertId(t.ctx.dbs.main.db, 'tokens', {
    user_id: s.user_id,
    ...t.ctx.tokens.keys.seal(key),
    name: s.name ?? 'test-token',
    status: s.status ?? 1,
    created_time: Math.floor(Date.now() / 1000),
    accessed_time: 0,
    expired_time: s.expired_time ?? -1,
    remain_quota: s.remain_quota ?? 0,
    unlimited_quota: (s.unlimited_quota ?? true) ? 1 : 0,
    used_quota: 0,
    model_limits_enabled: s.model_limits ? 1 : 0,
    model_limits: s.model_limits ?? '',
    allow_ips: s.allow_ips ?? '',
    group: s.group ?? '',
  });
  return { id, key: `sk-${key}` };
}

export interface ChannelSeed {
  name?: string;
  type?: number;
  base_url: string;
  key?: string;
  models: string[];
  groups?: string[];
  model_mapping?: Record<string, string>;
  priority?: number;
  weight?: number;
  settings?: Record<string, unknown>;
}

/** Creates a channel through the channels service (key encrypted, serving rows in step). */
export async function seedChannel(t: TestApp, s: ChannelSeed): Promise<number> {
  const created = await t.ctx.channels.create(
    createChannelBody.parse({
      name: s.name ?? 'fake',
      type: s.type ?? 1,
      key: s.key ?? 'upstream-secret',
      base_url: s.base_url,
      models: s.models.join(','),
      group: (s.groups ?? ['default']).join(','),
      model_mapping: JSON.stringify(s.model_mapping ?? {}),
      priority: s.priority ?? 0,
      weight: s.weight ?? 0,
      ...(s.settings ? { settings: s.settings } : {}),
    }),
  );
  return created.id;
}

export async function setPricing(
  t: TestApp,
  p: {
    ModelRatio?: object;
    CompletionRatio?: object;
    CacheRatio?: object;
    ModelPrice?: object;
    GroupRatio?: object;
    RetryTimes?: number;
  },
): Promise<void> {
  for (const [k, v] of Object.entries(p))
    await t.ctx.options.set(k, typeof v === 'number' ? String(v) : JSON.stringify(v));
}

/** Listens on a random loopback port (once) and returns the base URL of /v1. */
export async function listen(t: TestApp): Promise<string> {
  const addr = t.app.server.address() as AddressInfo | null;
  if (addr) return `http://127.0.0.1:${addr.port}/v1`;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1`;
}

export function client(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 30_000 });
}

/** A raw call (fetch), to see statuses, headers and error bodies exactly. */
export async function post(
  base: string,
  path: string,
  key: string | null,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, requestId: res.headers.get('x-request-id') };
}

/** Waits for every finished call's settlement and stored log. */
export async function settled(t: TestApp): Promise<void> {
  await t.ctx.relay.idle();
  await t.ctx.logWriter.flush();
}

export async function userRow(t: TestApp, id: number) {
  return t.ctx.dbs.main.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function tokenRow(t: TestApp, id: number) {
  return t.ctx.dbs.main.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function logRows(t: TestApp, type?: number) {
  let q = t.ctx.dbs.logs.db.selectFrom('logs').selectAll().orderBy('id');
  if (type !== undefined) q = q.where('type', '=', type);
  return q.execute();
}

export interface RelayWorld {
  t: TestApp;
  up: FakeUpstream;
  root: Actor;
  user: Actor;
  /** http://127.0.0.1:PORT/v1 */
  base: string;
  close(): Promise<void>;
}

/** The app on `engine` listening on loopback, a fake upstream, root, and one user with `quota`. */
export async function relayWorld(
  engine: Engine,
  opts: { username: string; quota: number; upstream?: FakeBehavior & { record?: boolean } },
  app: { env?: Record<string, string>; timeouts?: AppDeps['timeouts'] } = {},
): Promise<RelayWorld> {
  const t = await startTestApp(engine, app.env, {}, { timeouts: app.timeouts });
  const up = await startFakeUpstream(opts.upstream);
  const root = await setupRoot(t);
  const user = await createActor(t, root, opts.username, { quota: opts.quota });
  const base = await listen(t);
  return {
    t,
    up,
    root,
    user,
    base,
    async close() {
      await t.close();
      await up.close();
    },
  };
}

/** A call's journal row as the pipeline writes it, for tests that reserve through the repository. */
export function journalRow(requestId: string, over: Partial<JournalRow> = {}): JournalRow {
  return {
    request_id: requestId,
    owner: 'test',
    created_at: Math.floor(Date.now() / 1000),
    username: '',
    token_name: '',
    model_name: 'm',
    group: 'default',
    ip: '',
    path: '/v1/chat/completions',
    is_stream: 0,
    rollup: 1,
    ...over,
  };
}
