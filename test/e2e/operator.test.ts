// An operator's day in the console (issue 21), in a real browser: the admin pages behind one header
// menu, channel tags (tag a selection, filter by a tag, disable every channel with it), tokens and users
// searched, selected and disabled in one batch, and a token's and a user's own usage chart. Screenshots at
// desktop and phone width go to docs/screenshots/.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type FakeUpstream, startFakeUpstream } from '../support/fake-upstream.ts';
import { buildWeb, CHROMIUM, DESKTOP, launchChromium, screenshots, startServer } from './support.ts';

const ROOT_USER = 'root';
const ROOT_PASS = 'root-password-ops';
const MODEL = 'ops-model';

describe('web console: an operator’s day (browser)', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing`,
}, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let upstream: FakeUpstream;
  let browser: Browser;
  let page: Page;
  let webDist = '';

  /** The API as the signed-in root (session cookie and New-Api-User), from inside the page. */
  const api = <T = unknown>(method: string, path: string, body?: unknown): Promise<T> =>
    page.evaluate(
      async ([method, path, body]) => {
        const res = await fetch(path as string, {
          method: method as string,
          headers: {
            'New-Api-User': localStorage.getItem('tollgate.uid') ?? '',
            'Content-Type': 'application/json',
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json();
        if (!json.success) throw new Error(`${method} ${path}: ${json.message}`);
        return json.data;
      },
      [method, path, body] as const,
    ) as Promise<T>;
  const table = () => page.locator('.semi-table-tbody');
  const check = async (names: string[]) => {
    for (const name of names)
      await table()
        .getByRole('row')
        .filter({ has: page.getByText(name, { exact: true }) })
        .locator('input[type=checkbox]')
        .check({ force: true });
  };

  before(async () => {
    webDist = await buildWeb();
    [server, upstream, browser] = await Promise.all([
      startServer(webDist),
      startFakeUpstream(),
      launchChromium(),
    ]);
    const setup = await fetch(`${server.url}/api/setup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: ROOT_USER, password: ROOT_PASS, confirmPassword: ROOT_PASS }),
    });
    assert.equal(setup.status, 200, await setup.text());
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/login`);
    await page.locator('#username').fill(ROOT_USER);
    await page.locator('#password').fill(ROOT_PASS);
    await page.getByRole('button', { name: 'Log in' }).last().click();
    await page.waitForURL('**/console');
    await api('PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ [MODEL]: 1 }) });
    const me = await api<{ id: number }>('GET', '/api/user/self');
    await api('POST', '/api/user/manage', {
      id: me.id,
      action: 'add_quota',
      mode: 'add',
      value: 100_000_000,
    });
  });

  after(async () => {
    await browser?.close();
    await upstream?.close();
    await server?.close();
    if (webDist) rmSync(webDist, { recursive: true, force: true });
  });

  test('the admin pages sit in one header menu that names the open page', async () => {
    const header = page.locator('.tg-links');
    assert.equal(await header.getByRole('link', { name: 'Channels' }).count(), 0, 'not a link of the bar');
    await header.getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('menuitem', { name: 'Channels' }).click();
    await page.waitForURL('**/admin/channels');
    await header.getByRole('button', { name: 'Admin · Channels' }).waitFor();
    // every link of the bar fits at 1280 px: nothing to scroll sideways to
    const overflow = await header.evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(overflow <= 0, `the bar overflows by ${overflow} px`);
  });

  test('channels: tag two in one batch, filter by the tag, disable every channel with it', async () => {
    for (const name of ['ops-a', 'ops-b', 'ops-c'])
      await api('POST', '/api/channel/', {
        name,
        key: `sk-${name}-secret`,
        base_url: upstream.url,
        models: MODEL,
      });
    await page.goto(`${server.url}/admin/channels`);
    await table().getByText('ops-c', { exact: true }).waitFor();
    await check(['ops-a', 'ops-b']);
    await page.getByTestId('channel-batch').getByRole('button', { name: 'Set tag' }).click();
    await page.getByRole('dialog').getByLabel('Tag').fill('pool-a');
    await page.getByRole('dialog').locator('button[aria-label=confirm]').click();
    await page.getByText('2 channels tagged').waitFor();
    await table().getByText('pool-a', { exact: true }).first().click();
    const bar = page.getByTestId('tag-bar');
    await bar.getByText('Tag pool-a').waitFor();
    await table().getByText('ops-c', { exact: true }).waitFor({ state: 'detached' });
    assert.equal(await table().getByRole('row').count(), 2);
    await bar.getByRole('button', { name: 'Disable all' }).click();
    await page.getByText('2 channels disabled').waitFor();
    await table().getByText('Disabled', { exact: true }).nth(1).waitFor();
    await screenshots(page, 'channels-tag');
    const listed = await api<{ items: { name: string; status: number }[] }>(
      'GET',
      '/api/channel/?page_size=50',
    );
    assert.deepEqual(
      listed.items.map((c) => `${c.name}:${c.status}`).sort(),
      ['ops-a:2', 'ops-b:2', 'ops-c:1'],
      'the untagged channel still serves',
    );
  });

  test('tokens: search by name, disable two in one batch; a token’s usage chart', async () => {
    const made: { key: string; name: string }[] = [];
    for (const name of ['batch one', 'batch two', 'kept'])
      made.push(await api('POST', '/api/token/', { name, unlimited_quota: true }));
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${made[2]!.key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `hi ${i}` }] }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    await page.goto(`${server.url}/console/tokens`);
    const search = page.getByRole('textbox', { name: 'Search token names' });
    await search.fill('batch');
    await search.press('Enter');
    await table().getByText('kept', { exact: true }).waitFor({ state: 'detached' });
    await check(['batch one', 'batch two']);
    await page.getByTestId('token-batch').getByRole('button', { name: 'Disable' }).click();
    await page.getByText('2 tokens disabled').waitFor();
    await table().getByText('Disabled', { exact: true }).nth(1).waitFor();
    await search.fill('');
    await search.press('Enter');
    const kept = table()
      .getByRole('row')
      .filter({ has: page.getByText('kept', { exact: true }) });
    await kept.getByRole('button', { name: 'Usage' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByTestId('usage-totals')
      .getByText(/^3 requests, /)
      .waitFor();
    await dialog.getByTestId('usage-charts').locator('canvas').first().waitFor();
    await screenshots(page, 'tokens-usage', () =>
      dialog.getByTestId('usage-charts').locator('canvas').first().waitFor(),
    );
    await dialog.getByRole('button', { name: 'close', exact: false }).first().click();
  });

  test('users: select two, disable them in one batch; a user’s usage chart', async () => {
    for (const username of ['ops-user-1', 'ops-user-2'])
      await api('POST', '/api/user/', { username, password: 'ops-password-1' });
    await page.goto(`${server.url}/admin/users`);
    await table().getByText('ops-user-2', { exact: true }).waitFor();
    await check(['ops-user-1', 'ops-user-2']);
    const bar = page.getByTestId('user-batch');
    await bar.getByText('2 selected').waitFor();
    await bar.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('2 users disabled').waitFor();
    await table().getByText('Disabled', { exact: true }).nth(1).waitFor();
    await screenshots(page, 'users-batch');
    const rootRow = table()
      .getByRole('row')
      .filter({ has: page.getByText(ROOT_USER, { exact: true }) });
    await rootRow.getByRole('button', { name: 'Usage' }).click();
    await page
      .getByRole('dialog')
      .getByTestId('usage-totals')
      .getByText(/^3 requests, /)
      .waitFor();
  });
});
