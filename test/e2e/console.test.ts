// The web console in a real browser (Debian Chromium via playwright-core): setup → login → channel →
// token → relay → dashboard and logs → delete logs with progress → pricing signed-out. Screenshots of
// each main page at desktop and phone width go to docs/screenshots/.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { initialBundleSize } from '../../web/bundle-size.ts';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.ts';
import {
  buildWeb,
  CHROMIUM,
  DESKTOP,
  launchChromium,
  routeExists,
  screenshots,
  startServer,
} from './support.ts';

const ROOT_USER = 'root';
const ROOT_PASS = 'root-password-e2e';
const MODELS = ['gpt-4o-mini', 'tg-e2e-model'];

describe('web console (browser)', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing` }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let upstream: FakeUpstream;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let key = '';
  /** the relay step ran: there are calls to chart, list and delete */
  let relayed = false;
  let webDist = '';
  const has = (method: string, path: string) => routeExists(server.url, method, path);

  before(async () => {
    webDist = await buildWeb();
    [server, upstream, browser] = await Promise.all([
      startServer(webDist),
      startFakeUpstream(),
      launchChromium(),
    ]);
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await upstream?.close();
    await server?.close();
    if (webDist) rmSync(webDist, { recursive: true, force: true });
  });

  test('the first page load stays small (charts and pages are lazy chunks)', () => {
    const size = initialBundleSize(webDist);
    assert.ok(size.gzipBytes < 300 * 1024, `initial JS+CSS is ${size.gzipBytes} bytes gzip (budget 300 kB)`);
  });

  test('first run: the setup wizard creates root, then login opens the dashboard', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/setup');
    await screenshots(page, 'setup');
    await page.locator('#username').fill(ROOT_USER);
    await page.locator('#password').fill(ROOT_PASS);
    await page.locator('#confirmPassword').fill(ROOT_PASS);
    await page.getByRole('button', { name: 'Create root account' }).click();
    await page.waitForURL(/\/login/);
    await screenshots(page, 'login');
    await page.locator('#username').fill(ROOT_USER);
    await page.locator('#password').fill(ROOT_PASS);
    await page.getByRole('button', { name: 'Log in' }).last().click();
    await page.waitForURL('**/console');
    assert.ok(
      await page.evaluate(() => localStorage.getItem('tollgate.uid')),
      'user id kept for New-Api-User',
    );
  });

  test('settings: model ratios are set through the validated JSON editor', async () => {
    assert.ok(await has('GET', '/api/option/'), 'GET /api/option/ is missing');
    await page.goto(`${server.url}/admin/settings`);
    await page.getByRole('tab', { name: 'Ratios and prices' }).click();
    const editor = page.getByLabel('ModelRatio', { exact: true });
    await editor.fill('{"gpt-4o-mini": 0.075,');
    await page.getByText('Invalid JSON').waitFor();
    await editor.fill(JSON.stringify({ 'gpt-4o-mini': 0.075, 'tg-e2e-model': 1 }));
    await editor.locator('xpath=../..').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved').first().waitFor();
    await screenshots(page, 'settings');
  });

  test('notice: shown once per change', async () => {
    assert.ok(await has('GET', '/api/notice'), 'GET /api/notice is missing');
    await page.goto(`${server.url}/admin/settings`);
    await page.getByLabel('Notice', { exact: true }).fill('**Maintenance** on Sunday');
    await page
      .getByLabel('Notice', { exact: true })
      .locator('xpath=../..')
      .getByRole('button', { name: 'Save' })
      .click();
    await page.getByText('Saved').first().waitFor();
    await page.goto(`${server.url}/about`);
    const modal = page.getByRole('dialog').filter({ hasText: 'Maintenance' });
    await modal.waitFor();
    await modal.locator('button[aria-label=confirm]').click();
    await page.reload();
    await page.waitForLoadState('networkidle');
    assert.equal(await modal.count(), 0, 'a seen notice is not shown again');
  });

  test('channels: create one pointing at the fake upstream', async () => {
    assert.ok(await has('GET', '/api/channel/'), 'GET /api/channel/ is missing');
    await page.goto(`${server.url}/admin/channels`);
    await page.getByRole('button', { name: 'New channel' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#name').fill('fake upstream');
    await dialog.locator('#base_url').fill(upstream.url);
    await dialog.locator('#key').fill('sk-upstream-secret');
    await dialog.locator('#models').fill(MODELS.join(','));
    await dialog.locator('button[aria-label=confirm]').click();
    await page.locator('td').getByText('fake upstream', { exact: true }).waitFor();
    await screenshots(page, 'channels');
  });

  test('channels: select two, disable them in one batch, enable them again; search by name', async () => {
    // a second channel, made through the API as the signed-in root
    await page.evaluate(async (url) => {
      const uid = localStorage.getItem('tollgate.uid') ?? '';
      await fetch('/api/channel/', {
        method: 'POST',
        headers: { 'New-Api-User': uid, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: 'second upstream',
          key: 'sk-second-secret',
          base_url: url,
          models: 'other-model',
        }),
      });
    }, upstream.url);
    await page.goto(`${server.url}/admin/channels`);
    const table = page.locator('.semi-table-tbody');
    await table.getByText('second upstream', { exact: true }).waitFor();
    const rows = table.locator('tr');
    assert.equal(await rows.count(), 2);
    for (let i = 0; i < 2; i++) await rows.nth(i).locator('input[type=checkbox]').check({ force: true });
    const bar = page.getByTestId('channel-batch');
    await bar.getByText('2 selected').waitFor();
    await bar.getByRole('button', { name: 'Disable' }).click();
    await table.getByText('Disabled', { exact: true }).nth(1).waitFor();
    assert.equal(await table.getByText('Enabled', { exact: true }).count(), 0);
    for (let i = 0; i < 2; i++) await rows.nth(i).locator('input[type=checkbox]').check({ force: true });
    await bar.getByRole('button', { name: 'Enable' }).click();
    await table.getByText('Enabled', { exact: true }).nth(1).waitFor();
    const search = page.getByRole('textbox', { name: 'Search name, key id or model' });
    await search.fill('second');
    await search.press('Enter');
    await table.getByText('fake upstream', { exact: true }).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), 1);
  });

  test('tokens: create one; the full key is shown once', async () => {
    assert.ok(await has('GET', '/api/token/'), 'GET /api/token/ is missing');
    await page.goto(`${server.url}/console/tokens`);
    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByRole('dialog').locator('#name').fill('e2e token');
    await page.getByRole('dialog').locator('button[aria-label=confirm]').click();
    key = (await page.getByTestId('new-token-key').textContent()) ?? '';
    assert.match(key, /^sk-/);
    await page.getByRole('dialog').locator('button[aria-label=confirm]').click();
    await page.locator('td').getByText('e2e token', { exact: true }).waitFor();
    await screenshots(page, 'tokens');
  });

  test('users: root adds quota to itself through the quota dialog', async () => {
    await page.goto(`${server.url}/admin/users`);
    const row = page.getByRole('row').filter({ hasText: ROOT_USER });
    await row.getByRole('button', { name: 'Quota' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount (USD)').fill('10');
    await dialog.getByLabel('Reason').fill('e2e top-up');
    await dialog.locator('button[aria-label=confirm]').click();
    await row.getByText(/\$10(\.0+)?$/).waitFor();
  });

  test('redemption codes: root creates a batch, then redeems one on the profile page', async () => {
    assert.ok(await has('GET', '/api/redemption/'), 'GET /api/redemption/ is missing');
    await page.goto(`${server.url}/admin/redemptions`);
    await page.getByRole('button', { name: 'New codes' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('#name').fill('e2e gift');
    await dialog.getByLabel('Amount (USD)').fill('2');
    await dialog.getByLabel('How many codes (1–100)').fill('2');
    await dialog.locator('button[aria-label=confirm]').click();
    const codes = ((await page.getByTestId('new-codes').textContent()) ?? '').trim().split('\n');
    assert.equal(codes.length, 2);
    for (const c of codes) assert.match(c, /^[0-9a-f]{32}$/);
    await page.keyboard.press('Escape');
    await page.locator('td').getByText(codes[0], { exact: true }).waitFor();
    await screenshots(page, 'redemptions');

    await page.goto(`${server.url}/console/profile`);
    await page.getByLabel('Redemption code').fill(codes[0]);
    await page.getByRole('button', { name: 'Redeem', exact: true }).click();
    await page.getByText(/Redeemed: \$2(\.0+)? added/).waitFor();
    await screenshots(page, 'profile-redeem');
    // the same code again: refused, saying why
    await page.getByLabel('Redemption code').fill(codes[0]);
    await page.getByRole('button', { name: 'Redeem', exact: true }).click();
    await page.getByText(/already been used/).waitFor();
    await page.goto(`${server.url}/admin/redemptions`);
    await page.locator('td').getByText('Used', { exact: true }).waitFor();
  });

  test('relay: a few chat completions with the token', async () => {
    assert.ok(key, 'the token step made a key');
    // the models are priced in the settings step
    assert.ok(await has('GET', '/api/option/'), 'GET /api/option/ is missing');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: MODELS[i % 2], messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    relayed = true;
  });

  test('dashboard: the cards and the chart show the calls', async () => {
    assert.ok(await has('GET', '/api/data/self'), 'GET /api/data/self is missing');
    assert.ok(relayed, 'the relay step made calls to chart');
    await page.goto(`${server.url}/console`);
    await expectText(page, 'stat-count', '3');
    await page.getByTestId('usage-charts').locator('canvas').first().waitFor();
    await screenshots(page, 'dashboard', () =>
      page.getByTestId('usage-charts').locator('canvas').first().waitFor(),
    );
  });

  test('logs: my log table lists the calls', async () => {
    assert.ok(await has('GET', '/api/log/self'), 'GET /api/log/self is missing');
    await page.goto(`${server.url}/console/logs`);
    if (relayed)
      await page
        .getByTestId('log-table')
        .locator('td')
        .getByText(MODELS[0], { exact: true })
        .first()
        .waitFor();
    await screenshots(page, 'logs');
  });

  test('logs: the detail drawer lays out the row’s other; a click on a model filters by it', async () => {
    assert.ok(relayed, 'the relay step made calls to show');
    await page.goto(`${server.url}/console/logs`);
    await page.getByTestId('log-details').first().click();
    const drawer = page.getByTestId('log-drawer-body');
    await drawer.waitFor();
    // the row as the API gives it to this user (newest first, as the table)
    const row = await page.evaluate(async () => {
      const uid = localStorage.getItem('tollgate.uid') ?? '';
      const res = await fetch('/api/log/self?page_size=1', { headers: { 'New-Api-User': uid } });
      return (await res.json()).data.items[0];
    });
    const other = JSON.parse(row.other);
    assert.ok(Object.keys(other).length > 5, 'a consume row carries its billing detail');
    for (const [k, v] of Object.entries(other)) {
      const shown = await drawer.locator(`[data-key="${k}"]`).first().textContent();
      const want = v === null || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      assert.equal(shown, want, `other.${k}`);
    }
    assert.equal(await drawer.locator('[data-key="admin_info"]').count(), 0, 'users see no attempts');
    await screenshots(page, 'log-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    const table = page.getByTestId('log-table');
    await table.locator('td').getByText(MODELS[1], { exact: true }).first().click();
    await page
      .getByRole('textbox', { name: 'Model (% wildcard)' })
      .and(page.locator(`[value="${MODELS[1]}"]`))
      .waitFor();
    await table.locator('td').getByText(MODELS[0], { exact: true }).first().waitFor({ state: 'detached' });
    assert.ok((await table.locator('td').getByText(MODELS[1], { exact: true }).count()) > 0);
  });

  test('playground: a streamed reply with one of my tokens, and the log row it produced', async () => {
    assert.ok(relayed, 'the relay step priced the models and made a token');
    await page.goto(`${server.url}/console/playground`);
    await page.getByText(MODELS[0], { exact: true }).first().waitFor();
    await page.getByRole('textbox', { name: 'Ask something' }).fill('Say hello');
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.getByTestId('playground-reply');
    await reply.getByText('Hello from the fake upstream').waitFor();
    const log = page.getByTestId('playground-log');
    await log.waitFor();
    assert.match((await log.textContent()) ?? '', new RegExp(MODELS[0]));
    await screenshots(page, 'playground');
  });

  test('admin logs: delete before now, with the progress shown', async () => {
    assert.ok(
      await has('DELETE', '/api/log/?target_timestamp=1'),
      'DELETE /api/log/?target_timestamp=1 is missing',
    );
    assert.ok(relayed, 'the relay step made calls to delete');
    await page.goto(`${server.url}/admin/logs`);
    await page.getByTestId('log-table').getByRole('row').nth(1).waitFor();
    await page.getByTestId('delete-logs').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').locator('button[aria-label=confirm]').click();
    const progress = page.getByTestId('delete-progress');
    await progress.getByText('100%').waitFor();
    await screenshots(page, 'admin-logs');
    assert.match((await progress.textContent()) ?? '', /[1-9]\d* deleted/);
  });

  test('admin logs: the live tail shows a relayed call as it happens', async () => {
    assert.ok(key, 'the token step made a key');
    await page.goto(`${server.url}/admin/logs`);
    await page.getByTestId('log-table').waitFor();
    await page.getByRole('switch').first().click();
    await page.getByText('Live: new rows appear on top').waitFor();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODELS[1], messages: [{ role: 'user', content: 'live' }] }),
    });
    assert.equal(res.status, 200, await res.text());
    await page
      .getByTestId('log-table')
      .locator('td')
      .getByText(MODELS[1], { exact: true })
      .first()
      .waitFor({ timeout: 5000 });
    await page.getByRole('switch').first().click();
  });

  test('users: the admin list shows root', async () => {
    await page.goto(`${server.url}/admin/users`);
    await page.locator('td').getByText(ROOT_USER, { exact: true }).waitFor();
    await screenshots(page, 'users');
  });

  test('pricing: lists the channel models signed-out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${server.url}/`);
    await screenshots(page, 'home');
    assert.ok(await has('GET', '/api/pricing'), 'GET /api/pricing is missing');
    await page.goto(`${server.url}/pricing`);
    for (const m of MODELS) await page.getByTestId('pricing-table').getByText(m, { exact: true }).waitFor();
    await screenshots(page, 'pricing');
  });

  test('language and theme: switch to Chinese and dark', async () => {
    await page.goto(`${server.url}/pricing`);
    await page.locator('.tg-lang').click();
    await page.getByRole('option', { name: '中文' }).click();
    await page.getByRole('link', { name: '定价' }).waitFor();
    await page.getByLabel('切换主题').click();
    assert.equal(await page.evaluate(() => document.body.getAttribute('theme-mode')), 'dark');
    await screenshots(page, 'pricing-zh-dark');
  });
});

async function expectText(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).getByText(text, { exact: true }).waitFor();
}
