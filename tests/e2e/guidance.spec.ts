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
  await expect(row(/through the token relay/i)).toContainText(
    /Sessions last \(renewed through the relay\)\s+when the relay is on the app’s site/,
  );
  await expect(row(/through the token relay/i)).toContainText('npm run start:today');
  await expect(row(/Atlassian API token/i)).toContainText(/Real Bitbucket Cloud, for local use only/);
  await expect(modes.getByRole('row')).toHaveCount(4);
});

test('the guide explains the relay as a token-mediating backend, with a second diagram and its steps written out', async ({ page }) => {
  await page.goto('/');
  const section = page.getByRole('region', { name: 'Sessions that last: the relay as a token-mediating backend' });
  await expect(section).toBeVisible();
  for (const name of [
    'Who holds which token',
    'Sign-in and renewal, step by step',
    'Why the refresh token never reaches the page',
    'What the cookie and the header defend against',
    'How it compares with the implicit grant and a full backend',
  ])
    await expect(section.getByRole('heading', { level: 4, name })).toBeVisible();

  // Who holds which token: the access token in the browser, the Secret and the sealed refresh token at the relay.
  const holder = (name: string) => section.getByRole('term').filter({ hasText: name }).locator('xpath=following-sibling::dd[1]');
  await expect(holder('Your browser (this app)')).toContainText(/access token only, in sessionStorage/);
  await expect(holder('Your browser (this app)')).toContainText(/never sees\s+the refresh token or the Secret/);
  await expect(holder('The relay')).toContainText(/Secret, in its configuration/);
  await expect(holder('The relay')).toContainText(/refresh token, sealed in an\s+HttpOnly cookie/);
  await expect(holder('bitbucket.org')).toContainText(/both tokens/);

  // The diagram: nine numbered steps, and a list beside it with one item per step.
  const diagram = section.getByRole('img', { name: 'Sign-in and renewal through the relay, in nine steps' });
  await expect(diagram).toBeVisible();
  const numbers = await diagram.locator('.flow-num-text').allTextContents();
  expect(numbers).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const steps = section.locator('.guide-flow > ol > li').filter({ visible: true });
  await expect(steps).toHaveCount(numbers.length);
  await expect(steps.nth(0)).toContainText('/relay/authorize');
  await expect(steps.nth(3)).toContainText(/Key and Secret \(HTTP Basic\)/);
  await expect(steps.nth(4)).toContainText(/AES-GCM/);
  await expect(steps.nth(5)).toContainText('/oauth-callback#access_token=');
  await expect(steps.nth(6)).toContainText(/POST \/relay\/token.*X-Bitbucket-Relay: 1/s);
  await expect(steps.nth(6)).toContainText(
    /A quarter of the token’s\s+lifetime before it expires \(at\s+most five minutes before\), or once after a 401/,
  );
  await expect(steps.nth(7)).toContainText(/grant_type=refresh_token/);
  await expect(steps.nth(7)).toContainText(/old refresh token stops\s+working/);

  // What the defences are, and the comparison.
  await expect(section).toContainText(/RFC 10017 says\s+SameSite alone is not enough/);
  for (const defence of [
    'SameSite=Strict.',
    'The Origin check.',
    'A static custom header, X-Bitbucket-Relay: 1.',
    '__Host- prefix, Secure, Path=/, no Domain.',
  ])
    await expect(section.getByRole('listitem').filter({ has: page.getByText(defence, { exact: true }) })).toHaveCount(1);
  const compared = section.getByRole('table', { name: 'Three ways for a browser app to get at an API' });
  await expect(compared.getByRole('row')).toHaveCount(4);
  await expect(compared.getByRole('row', { name: /^Implicit grant/ })).toContainText(/new sign-in every hour or two/);
  await expect(compared.getByRole('row', { name: /^Token-mediating backend/ })).toContainText(/Never the refresh token/);
  await expect(compared.getByRole('row', { name: /^Backend for frontend/ })).toContainText(/No token at all/);
  await expect(section).toContainText('npm run start:today');
});

test('every link in the guide leads to something on the page: the sections and the terms', async ({ page }) => {
  await page.goto('/');
  const targets = await page.locator('#guide a[href^="#"]').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
  expect(targets).toEqual(expect.arrayContaining(['#guide-relay', '#term-refresh-token', '#term-token-mediating-backend', '#term-csrf']));
  for (const target of new Set(targets)) await expect(page.locator(target), target).toHaveCount(1);
  // A term link lands on the term, in the Terms list.
  for (const target of targets.filter((href) => href.startsWith('#term-')))
    await expect(page.locator(`#guide-terms + dl.guide-terms > dt${target}`), target).toHaveCount(1);
});

test('no text in the guide’s diagrams runs out of its picture, on a phone or a wide screen', async ({ page }) => {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    const outside = await page.locator('#guide svg.flow').evaluateAll((svgs) =>
      svgs.flatMap((svg) => {
        const box = (svg as SVGSVGElement).viewBox.baseVal;
        return [...svg.querySelectorAll('text')]
          .map((text) => ({ text: text.textContent, box: text.getBBox() }))
          .filter(({ box: b }) => b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width || b.y + b.height > box.y + box.height)
          .map(({ text }) => text);
      }),
    );
    expect(await page.locator('#guide svg.flow').count()).toBe(2);
    expect(outside, `at ${width} px`).toEqual([]);
    // Nor does the page scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `at ${width} px`).toBeLessThanOrEqual(width);
  }
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
