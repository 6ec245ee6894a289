/**
 * Signing in with an Atlassian API token (HTTP Basic), offered on localhost: the simulator accepts
 * its default `demo@example.com` / `demo-api-token` (docs/simulator.md).
 */
import type { Page } from '@playwright/test';
import { fingerprint } from '../../sim/index.ts';
import { E2E } from './ports.ts';
import { expect, test } from './fixtures.ts';

const EMAIL = 'demo@example.com';
const API_TOKEN = 'demo-api-token';
const SESSION_KEY = 'bitbucket-starter:session';

// API tokens are checked as Bitbucket does today: Atlassian scope names, real 403 detail.
test.beforeEach(async ({ sim }) => {
  await sim.configure({ bitbucketToday: true });
});

async function useApiToken(page: Page, email: string, apiToken: string): Promise<void> {
  await page.getByLabel('Atlassian account email').fill(email);
  await page.getByLabel('API token', { exact: true }).fill(apiToken);
  await page.getByRole('button', { name: 'Use API token' }).click();
}

test('an API token: the repositories load, the token travels only as HTTP Basic to the API, sign out forgets it', async ({ page, sim }) => {
  const browserRequests: Array<{ url: string; headers: Record<string, string> }> = [];
  page.on('request', (request) => browserRequests.push({ url: request.url(), headers: request.headers() }));
  await page.goto('/');
  await useApiToken(page, EMAIL, API_TOKEN);

  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
  await expect(page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /sign out/i })).toBeVisible();

  const basic = `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64')}`;
  const encoded = basic.slice('Basic '.length);
  const apiRequests = (await sim.requests()).filter((request) => request.server === 'api' && request.method === 'GET');
  expect(apiRequests.length).toBeGreaterThan(0);
  for (const request of apiRequests) {
    // The log keeps the credential as a fingerprint only (docs/simulator.md, Request log).
    expect(request.headers['authorization']).toBe(`Basic ${fingerprint(encoded)}`);
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'authorization') expect(value).not.toMatch(new RegExp(`${API_TOKEN}|${encoded}`));
    }
  }
  // No OAuth round trip, and the token is in no URL and in no request other than to the API.
  expect((await sim.requests()).filter((request) => request.server === 'auth')).toEqual([]);
  for (const { url, headers } of browserRequests) {
    expect(url).not.toContain(API_TOKEN);
    expect(url).not.toContain(encoded);
    if (!url.startsWith(`${E2E.apiUrl}/`)) expect(JSON.stringify(headers)).not.toMatch(new RegExp(`${API_TOKEN}|${encoded}`));
  }
  expect(page.url()).not.toContain(API_TOKEN);

  // Kept for the tab only.
  const stored = JSON.parse((await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)) ?? 'null') as unknown;
  expect(stored).toEqual({ kind: 'basic', email: EMAIL, apiToken: API_TOKEN });
  expect(await page.evaluate(() => localStorage.length)).toBe(0);

  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(page.getByRole('button', { name: 'Use API token' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Use API token' })).toBeVisible();
  await expect(page.getByRole('button', { name: /sign out/i })).toHaveCount(0);
});

test('a wrong API token: Bitbucket did not accept it, nothing is kept, the form is offered again', async ({ page, sim }) => {
  await page.goto('/');
  await useApiToken(page, EMAIL, 'not-the-demo-token');

  await expect(page.getByRole('alert')).toContainText('Bitbucket did not accept that email and API token');
  await expect(page.getByRole('button', { name: 'Use API token' })).toBeVisible();
  await expect(page.getByLabel('API token', { exact: true })).toBeEditable();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  // The simulator did refuse it (the alert is not a guess).
  const statuses = (await sim.requests())
    .filter((request) => request.server === 'api' && request.method === 'GET')
    .map((request) => request.status);
  expect(statuses).toContain(401);

  // After a reload, still signed out.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Use API token' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a token without read:workspace:bitbucket: the alert names that scope, as Bitbucket does today', async ({ page, sim }) => {
  await sim.configure({ apiTokens: [{ email: EMAIL, token: API_TOKEN, scopes: ['read:user:bitbucket', 'read:repository:bitbucket'] }] });
  await page.goto('/');
  await useApiToken(page, EMAIL, API_TOKEN);
  await expect(page.getByRole('alert')).toContainText('it needs read:workspace:bitbucket');
});

test('a token without read:user:bitbucket: the repositories load all the same, the name shows as unknown', async ({ page, sim }) => {
  await sim.configure({
    apiTokens: [{ email: EMAIL, token: API_TOKEN, scopes: ['read:workspace:bitbucket', 'read:repository:bitbucket'] }],
  });
  await page.goto('/');
  await useApiToken(page, EMAIL, API_TOKEN);
  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
  await expect(page.getByText('Signed in as unknown')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(page.getByRole('alert')).toContainText('read:user:bitbucket');
});

test('in demo mode the API-token form says it signs in to the simulator and that a real token must not be typed there', async ({
  page,
}) => {
  const form = page.getByRole('region', { name: /an API token/ });
  await page.goto(`${E2E.demoOrigin}/`);
  await expect(form.getByText('Demo: this form signs in to the simulator on this machine, not to Bitbucket Cloud.')).toBeVisible();
  await expect(form.getByText('Do not type a real API token here.', { exact: false })).toBeVisible();
  await expect(form.getByText(/Works with Bitbucket Cloud today/)).toBeHidden();

  // Configured for a Bitbucket (here the e2e simulator stands in for one): the words for the real thing.
  await page.goto('/');
  await expect(form.getByText(/Works with Bitbucket Cloud today/)).toBeVisible();
  await expect(form.getByText(/signs in to the simulator/)).toBeHidden();
});
