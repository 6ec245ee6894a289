/**
 * What the app tells users about Bitbucket Cloud's end of the implicit grant (27 February 2026):
 * on the callback page when the server refuses the grant, and in the guide on the landing page.
 */
import { E2E } from './ports.ts';
import { expect, storedToken, test } from './fixtures.ts';

test('a server that no longer offers the implicit grant: the callback page explains why and what works instead', async ({ page, sim }) => {
  await sim.configure({ implicitGrant: false });
  await page.goto('/');
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();

  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Bitbucket no longer signs in browser apps this way');
  await expect(alert).toContainText('27 February 2026');
  await expect(alert).toContainText('unsupported_response_type');
  await expect(alert).toContainText(/token relay/);
  await expect(alert).toContainText(/API token/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign-in failed');
  expect(page.url()).toBe(`${E2E.appOrigin}/oauth-callback`);
  // No consent page was shown: the refusal came straight back.
  expect((await sim.requests()).filter((request) => request.server === 'auth').map((request) => request.method)).toEqual(['GET']);
  expect(await storedToken(page)).toBe('');

  const notice = alert.getByRole('link', { name: /Atlassian’s notice/ });
  await expect(notice).toHaveAttribute('href', /^https:\/\/community\.developer\.atlassian\.com\//);
  await page.getByRole('link', { name: /back to the app/i }).click();
  await expect(page).toHaveURL(`${E2E.appOrigin}/`);
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('the landing page says which sign-in modes work against Bitbucket Cloud today', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Which sign-in modes work with Bitbucket Cloud today' }).click();
  const heading = page.getByRole('heading', { name: 'Does this work with Bitbucket Cloud today?' });
  await expect(heading).toBeInViewport();
  await expect(
    page.getByText(/Not directly\.\s+Bitbucket Cloud stopped issuing implicit-grant tokens on\s+27 February 2026/),
  ).toBeVisible();

  const modes = page.getByRole('table', { name: 'Sign-in modes and where they work' });
  await expect(modes).toBeVisible();
  const row = (mode: RegExp) => modes.getByRole('row', { name: mode });
  await expect(row(/implicit grant, straight to Bitbucket/i)).toContainText(/Not bitbucket\.org\s+since\s+27 February 2026/);
  await expect(row(/implicit grant, straight to Bitbucket/i)).toContainText('simulator');
  await expect(row(/through the token relay/i)).toContainText(/Real Bitbucket Cloud, today/);
  await expect(row(/Atlassian API token/i)).toContainText(/Real Bitbucket Cloud, for local use only/);
  await expect(modes.getByRole('row')).toHaveCount(4);
});

test('the demo banner names today’s way to real Bitbucket: the relay’s two variables, and npm run start:today', async ({ page }) => {
  await page.goto(`${E2E.demoOrigin}/`);
  const banner = page.getByRole('complementary', { name: 'Demo mode' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(/simulated Bitbucket/);
  await expect(banner).toContainText('BITBUCKET_CLIENT_ID');
  await expect(banner).toContainText('BITBUCKET_CLIENT_SECRET');
  await expect(banner).toContainText('npm run start:today');
  await expect(banner).not.toContainText('VITE_BITBUCKET_CLIENT_ID');
});
