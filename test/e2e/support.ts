import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openTestDatabases } from '../support/engines.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = `${ROOT}docs/screenshots`;
export const CHROMIUM = '/usr/bin/chromium';

/** Production build of the console into web/dist (what the app serves). */
export async function buildWeb(): Promise<void> {
  await build({ configFile: `${ROOT}web/vite.config.ts`, logLevel: 'error' });
}

/** The whole app on a fresh SQLite database, listening on 127.0.0.1 on a free port. */
export async function startServer(): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const handle = await openTestDatabases({ name: 'sqlite' });
  const config = loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'e2e-session-secret-0123456789abcdef' });
  const { app } = await buildApp({ config, dbs: handle.dbs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await handle.close();
    },
  };
}

export interface Upstream {
  url: string;
  close(): Promise<void>;
}

/**
 * The relay engineer's fake upstream (test/support/fake-upstream.ts) when it exists; until then a tiny
 * OpenAI-compatible stand-in that answers every chat completion with fixed usage.
 */
export async function startUpstream(): Promise<Upstream> {
  const shared = `${ROOT}test/support/fake-upstream.ts`;
  if (existsSync(shared)) {
    const mod = (await import(shared)) as { startFakeUpstream(): Promise<Upstream> };
    return mod.startFakeUpstream();
  }
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'chatcmpl-e2e',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Debian's Chromium with the flags this machine needs (playwright gives each launch a fresh profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Saves `<name>-desktop.png` and `<name>-phone.png`, then restores the desktop size. */
export async function screenshots(page: Page, name: string, ready?: () => Promise<unknown>): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [size, vp] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(vp);
    if (ready) await ready();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: `${SHOTS}/${name}-${size}.png` });
  }
  await page.setViewportSize(DESKTOP);
}

/** Whether a route exists yet (the API is being built in parallel): anything but "no route" counts. */
export async function routeExists(base: string, method: string, path: string): Promise<boolean> {
  const res = await fetch(base + path, { method });
  if (res.status !== 404) return true;
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  return !String(body.message ?? '').startsWith('no route');
}
