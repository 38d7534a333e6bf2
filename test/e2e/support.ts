import { mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * A production build of the console into a temp directory of its own: several test runs share this
 * checkout, and rebuilding web/dist under a running browser test would pull its assets away.
 */
export async function buildWeb(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tollgate-web-'));
  await build({
    configFile: `${ROOT}web/vite.config.ts`,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** The whole app on a fresh SQLite database, listening on 127.0.0.1 on a free port. */
export async function startServer(
  webDist: string,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const handle = await openTestDatabases({ name: 'sqlite' });
  const config = loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: 'e2e-session-secret-0123456789abcdef' });
  const { app } = await buildApp({ config, dbs: handle.dbs, webDist });
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
