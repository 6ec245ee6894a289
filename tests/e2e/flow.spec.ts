import { E2E } from './ports.ts';
import { expect, loadedStatus, signIn, storedKeys, storedToken, test } from './fixtures.ts';
import { fingerprint } from '../../sim/index.ts';

test('the whole happy path: landing page, consent, back with a token, the repositories', async ({ page, sim }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  expect(page.url().startsWith(E2E.authorizeUrl)).toBe(true);
  await expect(page.getByText('Bitbucket starter (e2e)').first()).toBeVisible();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${E2E.appOrigin}/`);
  const status = await loadedStatus(page);
  const total = Number(/^(\d+)/.exec(status)?.[1]);
  expect(total).toBeGreaterThan(100);
  const list = page.getByRole('list', { name: 'Repositories' });
  await expect(list.getByRole('listitem')).toHaveCount(Math.min(total, 500));
  await expect(page.getByRole('button', { name: /sign out/i })).toBeVisible();
  // Focus goes to the main heading after the callback.
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  expect((await sim.requests()).length).toBeGreaterThan(0);
});

test('Cancel on the consent page: an alert, nothing stored, a way back', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alert')).toContainText('did not grant access');
  expect(page.url()).toBe(`${E2E.appOrigin}/oauth-callback`);
  expect(await page.evaluate(() => sessionStorage.getItem('bitbucket-starter:session'))).toBeNull();
  await page.getByRole('link', { name: /try again/i }).click();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test.describe('a forged callback is refused', () => {
  const token = 'access_token=forged-token&token_type=bearer&expires_in=7200&scopes=account';
  test('with a wrong state', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
    await expect(page.getByRole('button', { name: 'Grant access' })).toBeVisible();
    await page.goto(`/oauth-callback#${token}&state=not-the-one`);
    await expect(page.getByRole('alert')).toContainText('could not be verified');
    expect(await storedToken(page)).toBe('');
  });
  test('with no stored state', async ({ page }) => {
    await page.goto(`/oauth-callback#${token}&state=anything`);
    await expect(page.getByRole('alert')).toContainText('not started here');
    expect(await storedToken(page)).toBe('');
  });
  test('a token without state', async ({ page }) => {
    await page.goto(`/oauth-callback#${token}`);
    await expect(page.getByRole('alert')).toBeVisible();
    expect(await storedToken(page)).toBe('');
  });
});

test('after the callback the address bar and history hold no token; the token went only in the Authorization header', async ({
  page,
  sim,
}) => {
  await signIn(page);
  await loadedStatus(page);
  const token = await storedToken(page);
  expect(token).not.toBe('');
  expect(page.url()).not.toContain(token);
  expect(page.url()).not.toContain('access_token');
  // Going back must not reach the callback URL with the token in it.
  await page.goBack();
  expect(page.url()).not.toContain('access_token');
  const requests = (await sim.requests()).filter((r) => r.server === 'api');
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) {
    expect(request.url).not.toContain(token);
    for (const [name, value] of Object.entries(request.headers)) {
      if (name.toLowerCase() === 'authorization') continue;
      expect(value).not.toContain(token);
    }
    // The simulator logs the credential as a fingerprint only (docs/simulator.md, Request log).
    if (request.method === 'GET') expect(request.headers['authorization']).toBe(`Bearer ${fingerprint(token)}`);
  }
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});

test('none of the removed endpoints is called', async ({ page, sim }) => {
  await signIn(page);
  await loadedStatus(page);
  const paths = (await sim.requests()).filter((r) => r.server === 'api').map((r) => new URL(r.url, 'http://x').pathname);
  expect(paths).toContain('/2.0/user/workspaces');
  for (const path of paths) expect(path).not.toMatch(/^\/2\.0\/(repositories|workspaces)\/?$|^\/2\.0\/user\/permissions\//);
});

test('reload after sign-in keeps the session; sign out clears it', async ({ page }) => {
  await signIn(page);
  const status = await loadedStatus(page);
  await page.reload();
  await expect(page.getByRole('status')).toHaveText(status);
  await expect(page.getByRole('button', { name: /sign out/i })).toBeVisible();
  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
  expect(await storedKeys(page)).toEqual([]);
  await page.reload();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('a token that expires while the user looks at the list: a warning, then sign in again to the same view', async ({ page }) => {
  await page.clock.install();
  await signIn(page, '/?q=a');
  await loadedStatus(page);
  // The simulator's tokens live 7200 s: four minutes before the end, the warning shows.
  await page.clock.fastForward((7200 - 4 * 60) * 1000);
  await expect(page.getByText(/Your Bitbucket session ends in 4 minutes/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();
  await page.clock.fastForward(5 * 60 * 1000);
  await expect(page.getByRole('alert')).toContainText('session has ended');
  expect(await storedToken(page)).toBe('');
  // Signing in again comes back to the same view (the filter is kept).
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(/\/\?q=a$/);
  await expect(page.getByRole('searchbox', { name: /filter repositories/i })).toHaveValue('a');
});

test('a token the server says has expired: the stale token is removed and sign-in is offered', async ({ page, sim }) => {
  await signIn(page);
  await loadedStatus(page);
  await sim.expireAll();
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('session has ended');
  expect(await storedToken(page)).toBe('');
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('a revoked token (401): the stale token is removed and sign-in is offered', async ({ page, sim }) => {
  await signIn(page);
  await loadedStatus(page);
  await sim.revoke(await storedToken(page));
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('session has ended');
  expect(await storedToken(page)).toBe('');
});

test('pagination over hundreds of repositories without size', async ({ page, sim }) => {
  await sim.configure({ omitSize: true, workspaces: [{ slug: 'huge', name: 'Huge', repositories: 430 }] });
  await signIn(page);
  expect(await loadedStatus(page)).toBe('430 repositories');
  await expect(page.getByRole('list', { name: 'Repositories' }).getByRole('listitem')).toHaveCount(430);
});

test('/healthcheck answers on the built app', async ({ request }) => {
  const response = await request.get('/healthcheck');
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok' });
});

test('demo mode: npm start with no configuration runs the whole flow against the bundled simulator', async ({ page }) => {
  await page.goto(`${E2E.demoOrigin}/`);
  await expect(page.getByText(/simulated Bitbucket/)).toBeVisible();
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${E2E.demoOrigin}/`);
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
  const healthcheck = await page.request.get(`${E2E.demoOrigin}/healthcheck`);
  expect(healthcheck.status()).toBe(200);
});
