import { E2E } from './ports.ts';
import { expect, loadedStatus, signIn, storedToken, test } from './fixtures.ts';

test('both pages carry a strict Content-Security-Policy that blocks inline script', async ({ page }) => {
  for (const path of ['/', '/oauth-callback']) {
    await page.goto(path);
    const policy = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).toContain(path === '/' ? `connect-src 'self' ${new URL(E2E.apiUrl).origin}` : "connect-src 'none'");
    await expect(page.locator('meta[name="referrer"]')).toHaveAttribute('content', 'no-referrer');
  }
  await page.goto('/');
  const outcome = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (event) => violations.push(event.violatedDirective));
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { injected: 'injected' in window, violations };
  });
  expect(outcome).toEqual({ injected: false, violations: expect.arrayContaining(['script-src-elem']) });
});

test('no Referer reaches Bitbucket, and the token is never written to the console', async ({ page, sim }) => {
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  page.on('pageerror', (error) => console.push(error.message));
  await signIn(page);
  await loadedStatus(page);
  const token = await storedToken(page);
  for (const request of await sim.requests()) {
    expect(Object.keys(request.headers).map((h) => h.toLowerCase())).not.toContain('referer');
  }
  // An error on the way must not print it either.
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'status', status: 500 }] });
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  await page.reload();
  await expect(page.getByRole('alert')).toBeVisible({ timeout: 15_000 });
  expect(console.join('\n')).not.toContain(token);
});

test('sign-in is refused on plain http away from localhost, with an explanation', async ({ page }) => {
  await page.goto(`http://app.test:${new URL(E2E.appOrigin).port}/`);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await expect(page.getByRole('alert')).toContainText('Sign-in needs HTTPS');
  expect(new URL(page.url()).hostname).toBe('app.test');
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  // An API token is a long-lived secret: not offered away from this machine.
  await expect(page.getByLabel('API token')).toHaveCount(0);
});

test('after sign-in the app returns only to a path of its own origin (no open redirect)', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() =>
    sessionStorage.setItem(
      'bitbucket-starter:pending-sign-in',
      JSON.stringify({ state: 'known', returnTo: '//evil.example/steal', createdAt: Date.now() }),
    ),
  );
  await page.goto('/oauth-callback#access_token=t0k&token_type=bearer&expires_in=3600&scopes=account&state=known');
  await page.waitForURL((url) => url.pathname === '/');
  expect(new URL(page.url()).origin).toBe(E2E.appOrigin);
});

test('signing out in one tab signs out the other tabs', async ({ page }) => {
  await signIn(page);
  await loadedStatus(page);
  // A tab opened from this one starts with a copy of its session.
  const [other] = await Promise.all([page.waitForEvent('popup'), page.evaluate(() => window.open('/', '_blank'))]);
  await expect(other.getByRole('button', { name: /sign out/i })).toBeVisible();
  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(other.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
  await expect(other.getByText('You signed out in another tab')).toBeVisible();
  expect(await other.evaluate(() => sessionStorage.getItem('bitbucket-starter:session'))).toBeNull();
});

test('nothing of the simulator is in the production build', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { OUT_DIR } = await import('./global-setup.ts');
  const files = (readdirSync(OUT_DIR, { recursive: true }) as string[]).filter((name) => /\.(js|html|css|json)$/.test(name));
  expect(files.length).toBeGreaterThan(3);
  for (const name of files) {
    const text = readFileSync(join(OUT_DIR, name), 'utf8');
    // The simulator's control endpoint, its consent page, its demo data, its port.
    for (const trace of ['__sim', 'Grant access', 'Dana Demo', 'demo-client', ':3100'])
      expect(text, `${name} has "${trace}"`).not.toContain(trace);
  }
});
