import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { E2E } from './ports.ts';
import { expect, loadedStatus, storedToken, test } from './fixtures.ts';

// axe takes a few seconds a page here.
test.describe.configure({ timeout: 90_000 });

const inspector = (page: Page) => page.getByRole('region', { name: 'Flow inspector' });

async function openInspector(page: Page): Promise<Locator> {
  const button = page.getByRole('button', { name: /flow inspector/i });
  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const region = inspector(page);
  await expect(region.getByRole('heading', { name: '1. The authorization request' })).toBeVisible();
  return region;
}

/** The value cell of the row for `name` in one of the inspector's parameter tables. */
function parameter(region: Locator, table: string, name: string): Locator {
  return region
    .getByRole('table', { name: table })
    .getByRole('row')
    .filter({ has: region.page().getByRole('rowheader', { name, exact: true }) })
    .getByRole('cell')
    .nth(1);
}

/** Every storage entry of the page but the session itself, and the whole page's text and markup. */
async function everythingButTheSession(page: Page): Promise<string> {
  return page.evaluate(() => {
    const entries: string[] = [];
    for (const storage of [sessionStorage, localStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i) ?? '';
        if (storage === sessionStorage && key === 'bitbucket-starter:session') continue;
        entries.push(`${key}=${storage.getItem(key)}`);
      }
    }
    return [...entries, document.documentElement.outerHTML, document.body.innerText].join('\n');
  });
}

test('a demo sign-in shows every step with its real values, and one row per API request the simulator answered', async ({ page, sim }) => {
  await page.goto('/');
  // Nothing to inspect before a sign-in.
  await expect(page.getByRole('button', { name: /flow inspector/i })).toHaveCount(0);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  const authorize = new URL(page.url());
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${E2E.appOrigin}/`);
  await loadedStatus(page);
  const token = await storedToken(page);
  const session = await page.evaluate(
    () => JSON.parse(sessionStorage.getItem('bitbucket-starter:session') ?? '{}') as { expiresAt: number },
  );

  const region = await openInspector(page);
  // 1. The authorization request, as the browser really sent it.
  await expect(region).toContainText(`${authorize.origin}${authorize.pathname}`);
  await expect(parameter(region, 'Authorization request parameters', 'client_id')).toHaveText(E2E.clientId);
  await expect(parameter(region, 'Authorization request parameters', 'response_type')).toHaveText('token');
  await expect(parameter(region, 'Authorization request parameters', 'redirect_uri')).toHaveText(`${E2E.appOrigin}/oauth-callback`);
  const state = authorize.searchParams.get('state') ?? '';
  expect(state).not.toBe('');
  await expect(parameter(region, 'Authorization request parameters', 'state')).toHaveText(state);
  // 2. What came back: the token only as its first 4 characters and its length.
  await expect(parameter(region, 'Callback parameters', 'access_token')).toHaveText(`${token.slice(0, 4)}… (${token.length} characters)`);
  await expect(parameter(region, 'Callback parameters', 'state')).toHaveText(state);
  await expect(parameter(region, 'Callback parameters', 'token_type')).toHaveText(/^bearer$/i);
  await expect(parameter(region, 'Callback parameters', 'expires_in')).toHaveText('7200');
  // 3. Every check, passed, in words.
  const checks = region.getByRole('list', { name: 'Checks made by the callback page' }).getByRole('listitem');
  await expect(checks).toHaveCount(10);
  for (const check of await checks.all()) await expect(check).toHaveText(/^Passed: /);
  // 4. Where the token went, and when it expires.
  await expect(region).toContainText('bitbucket-starter:session');
  await expect(region.locator('time').nth(-1)).toHaveAttribute('datetime', new Date(session.expiresAt).toISOString());
  for (const source of [
    'bitbucket-browser-auth/src/authorize.ts · startSignIn',
    'bitbucket-browser-auth/src/callback.ts · readCallback',
    'bitbucket-browser-auth/src/session.ts · saveCredentials',
    'bitbucket-browser-auth/src/client.ts · createClient',
  ]) {
    await expect(region).toContainText(source);
  }

  // 5. One row per API request the simulator answered, with the same paths and statuses.
  await expect(region.locator('[aria-live]')).toHaveText(/API requests finished/);
  const served = (await sim.requests()).filter((r) => r.server === 'api' && r.method === 'GET' && !r.url.includes('/__sim/'));
  const rows = region.getByRole('table', { name: 'API requests' }).getByRole('row');
  await expect(rows).toHaveCount(served.length + 1);
  expect(served.length).toBeGreaterThan(3);
  const shown = await rows.evaluateAll((trs) =>
    trs.slice(1).map((tr) => `${tr.querySelector('th')?.textContent} ${tr.querySelectorAll('td')[1]?.textContent}`),
  );
  const expected = served.map((r) => {
    const url = new URL(r.url);
    return `GET ${url.pathname}${decodeURIComponent(url.search)} ${r.status}`;
  });
  expect(shown.toSorted()).toEqual(expected.toSorted());
  // What the explanation of the preflight says: each of these URLs was asked about first.
  const preflights = new Set((await sim.requests()).filter((r) => r.method === 'OPTIONS').map((r) => r.url));
  for (const r of served) expect(preflights.has(r.url), `a preflight for ${r.url}`).toBe(true);

  // The export holds the same steps and requests, and the token nowhere.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    region.getByRole('button', { name: 'Download the flow (JSON)' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^bitbucket-flow-.*\.json$/);
  const exported = readFileSync(await download.path(), 'utf8');
  expect(exported).not.toContain(token);
  const flow = JSON.parse(exported) as { steps: Array<{ step: string }>; requests: unknown[] };
  expect(flow.steps.map((s) => s.step)).toEqual(['authorize', 'callback', ...Array<string>(10).fill('check'), 'kept']);
  expect(flow.requests).toHaveLength(served.length);

  expect(token.length).toBeGreaterThan(8);
  expect(await everythingButTheSession(page)).not.toContain(token);
});

test('a forged callback shows the failed state check, on the callback page and back on the landing page', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  const state = new URL(page.url()).searchParams.get('state') ?? '';
  await expect(page.getByRole('button', { name: 'Grant access' })).toBeVisible();
  const forged = 'forged-token-0123456789';
  await page.goto(`/oauth-callback#access_token=${forged}&token_type=bearer&expires_in=7200&scopes=account&state=not-the-one`);
  await expect(page.getByRole('alert')).toContainText('could not be verified');

  for (const where of ['callback page', 'landing page']) {
    const region = await openInspector(page);
    // What the app sent before leaving for the authorization server survived the redirects.
    await expect(parameter(region, 'Authorization request parameters', 'state'), where).toHaveText(state);
    await expect(parameter(region, 'Callback parameters', 'state'), where).toHaveText('not-the-one');
    const checks = region.getByRole('list', { name: 'Checks made by the callback page' }).getByRole('listitem');
    await expect(checks.last(), where).toHaveText(/^Failed: state matches the one stored/);
    await expect(checks, where).toHaveCount(6);
    await expect(region, where).toContainText('refused with the code STATE_MISMATCH');
    await expect(region, where).toContainText('Nowhere: the sign-in was refused.');
    expect(await everythingButTheSession(page), where).not.toContain(forged);
    if (where === 'callback page') await page.getByRole('link', { name: /try again/i }).click();
  }
});

test('with the inspector open, axe finds nothing on the signed-in view, in light and dark, and on the failed callback', async ({
  page,
  sim,
}) => {
  await sim.configure({ workspaces: [{ slug: 'tiny-studio', name: 'Tiny Studio', repositories: 5 }] });
  await page.goto('/');
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${E2E.appOrigin}/`);
  await loadedStatus(page);
  const region = await openInspector(page);
  await expect(region.locator('[aria-live]')).toHaveText(/finished/);
  const violations = async () =>
    (
      await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
    ).violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await violations(), scheme).toEqual([]);
  }
  await page.goto('/oauth-callback#error=access_denied');
  await openInspector(page);
  expect(await violations()).toEqual([]);
});

test('the inspector works with the keyboard', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.goto('/oauth-callback#error=access_denied');
  const button = page.getByRole('button', { name: /flow inspector/i });
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(inspector(page).getByRole('heading', { name: '3. The checks the callback page made' })).toBeVisible();
  await expect(button).toBeFocused();
  for (
    let i = 0;
    i < 10 && !(await page.getByRole('button', { name: 'Download the flow (JSON)' }).evaluate((b) => b === document.activeElement));
    i++
  ) {
    await page.keyboard.press('Tab');
  }
  await expect(page.getByRole('button', { name: 'Download the flow (JSON)' })).toBeFocused();
  await button.focus();
  await page.keyboard.press('Space');
  await expect(inspector(page)).toHaveCount(0);
});

test('the inspector is no part of any page’s first load, and its code loaded on demand has a budget of its own', async () => {
  const { FLOW_INSPECTOR_BUDGET_GZIP_BYTES, firstLoadJavaScript, onDemandJavaScript } = await import('../../scripts/js-size.ts');
  const { OUT_DIR } = await import('./global-setup.ts');
  const { join } = await import('node:path');
  const onDemand = onDemandJavaScript(OUT_DIR, ['index.html', 'oauth-callback.html']);
  // Rolldown names a chunk loaded on demand after its module: src/flow-inspector.ts.
  const chunks = onDemand.files.filter((name) => /^assets\/flow-inspector-[\w-]+\.js$/.test(name));
  expect(chunks).toHaveLength(1);
  const { gzipSync } = await import('node:zlib');
  const gzip = gzipSync(readFileSync(join(OUT_DIR, chunks[0] ?? '')), { level: 9 }).length;
  console.log(
    `JS budget, Flow inspector (on demand): ${gzip} of ${FLOW_INSPECTOR_BUDGET_GZIP_BYTES} bytes gzipped, ${FLOW_INSPECTOR_BUDGET_GZIP_BYTES - gzip} bytes of headroom`,
  );
  expect(gzip).toBeLessThanOrEqual(FLOW_INSPECTOR_BUDGET_GZIP_BYTES);
  for (const page of ['index.html', 'oauth-callback.html']) {
    const firstLoad = firstLoadJavaScript(OUT_DIR, page)
      .files.map((name) => readFileSync(join(OUT_DIR, name), 'utf8'))
      .join('\n');
    // The view's words and the model's tables are in the chunk only.
    for (const text of ['Download the flow (JSON)', 'bitbucket-starter-flow/1', 'Checks made by the callback page'])
      expect(firstLoad, `${page}: ${text}`).not.toContain(text);
  }
});
