/**
 * Sessions that last, as `npm start` runs them with BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET
 * in `.env`: the relay on the app's own origin, before a simulator acting as Bitbucket today (code
 * grant, refresh tokens that rotate) with 20-second access tokens, served as 127.0.0.1 so that the
 * way back to /relay/callback is cross-site as it is from bitbucket.org. Between the relay and the
 * simulator's token endpoint a recorder keeps every refresh token Bitbucket hands out, so the tests
 * can look for them where the page could read them.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { E2E } from './ports.ts';
import { expect, test } from './fixtures.ts';

const APP = E2E.sessionsOrigin;
const CLIENT_ID = 'sessions-consumer-key';
const CLIENT_SECRET = 'sessions-consumer-SECRET-8d1e';
const LIFETIME_S = 20;
const SET_BY_VITE = [
  'VITE_BITBUCKET_CLIENT_ID',
  'VITE_BITBUCKET_AUTHORIZE_URL',
  'VITE_BITBUCKET_API_URL',
  'VITE_BITBUCKET_RELAY_URL',
  'VITE_DEMO',
];
const inherited = Object.fromEntries(SET_BY_VITE.map((key) => [key, process.env[key]]));
const clearAppVariables = () => SET_BY_VITE.forEach((key) => delete process.env[key]);

let simulator: Simulator;
let recorder: Server;
let envDir: string;
let server: ViteDevServer;
/** Every refresh token the token endpoint handed out, as the relay received it. */
const refreshTokens: string[] = [];

/** Forwards to the simulator's token endpoint and keeps the refresh tokens of its answers. */
function startRecorder(target: URL): Promise<Server> {
  const proxy = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forward = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(body).toString();
          const token = (JSON.parse(text || '{}') as { refresh_token?: string }).refresh_token;
          if (token) refreshTokens.push(token);
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
        });
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  return new Promise((done) => proxy.listen(E2E.sessionsTokenPort, '127.0.0.1', () => done(proxy)));
}

test.beforeAll(async () => {
  clearAppVariables();
  simulator = await startSimulator({
    bitbucketToday: true,
    tokenLifetimeSeconds: LIFETIME_S,
    publicHost: '127.0.0.1',
    authPort: E2E.sessionsAuthPort,
    apiPort: E2E.sessionsApiPort,
    clients: [{ clientId: CLIENT_ID, name: 'Bitbucket starter (sessions)', callbackUrl: `${APP}/relay/callback`, secret: CLIENT_SECRET }],
  });
  recorder = await startRecorder(new URL(simulator.tokenUrl));
  envDir = mkdtempSync(join(tmpdir(), 'sessions-env-'));
  writeFileSync(
    join(envDir, '.env'),
    [
      `BITBUCKET_CLIENT_ID=${CLIENT_ID}`,
      `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`,
      `BITBUCKET_AUTHORIZE_URL=${simulator.authorizeUrl}`,
      `BITBUCKET_TOKEN_URL=http://127.0.0.1:${E2E.sessionsTokenPort}/site/oauth2/access_token`,
      `VITE_BITBUCKET_API_URL=${simulator.apiBase}`,
      '',
    ].join('\n'),
  );
  server = await createServer({
    configFile: resolve('vite.config.ts'),
    envDir,
    logLevel: 'warn',
    server: { port: Number(new URL(APP).port), strictPort: true },
  });
  await server.listen();
});

test.afterAll(async () => {
  await server.close();
  await new Promise((done) => recorder.close(done));
  await simulator.close();
  rmSync(envDir, { recursive: true, force: true });
  clearAppVariables();
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) process.env[key] = value;
});

/** Signs in through the relay: the app, Bitbucket's consent, back on the app with the list. */
async function signIn(page: Page): Promise<void> {
  await page.goto(`${APP}/`);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${APP}/`);
  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
}

const authorizeVisits = () => simulator.requests().filter((request) => request.url.startsWith(`${simulator.authorizeUrl}?`)).length;
const expiredAnswers = () => simulator.requests().filter((request) => request.server === 'api' && request.status === 401);
const signedIn = (page: Page) => expect(page.getByRole('heading', { level: 1 })).toHaveText('Your Bitbucket repositories');

/** What a script in the page could read: both storages and the cookies it may see. */
const readable = (page: Page) =>
  page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage }, cookie: document.cookie }));

/** Keeps the body of every answer the page receives (redirects have none to read). */
function bodiesOf(page: Page): Array<Promise<{ url: string; text: string }>> {
  const bodies: Array<Promise<{ url: string; text: string }>> = [];
  page.on('response', (response) => {
    if (response.status() >= 300 && response.status() < 400) return;
    bodies.push(
      response.body().then(
        (body) => ({ url: response.url(), text: body.toString('latin1') }),
        () => ({ url: response.url(), text: '' }),
      ),
    );
  });
  return bodies;
}

test.describe.configure({ mode: 'serial' });

test('across three token lifetimes the list refreshes and branches load, with one visit to Bitbucket and no 401, and the refresh token nowhere the page can read', async ({
  page,
}) => {
  test.setTimeout(180_000);
  simulator.clearRequests();
  const bodies = bodiesOf(page);
  await signIn(page);
  // (Before the sign-in, the landing page asked once and was told there was no session: 401.)
  const renewals: number[] = [];
  page.on('response', (response) => response.url() === `${APP}/relay/token` && renewals.push(response.status()));
  const started = Date.now();
  for (let round = 1; Date.now() - started < 3 * LIFETIME_S * 1000 + 5000; round++) {
    await page.waitForTimeout(8_000);
    if (round % 2) {
      await page.reload();
      await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/, { timeout: 15_000 });
    } else {
      const branches = page.getByRole('button', { name: /^Branches/ }).first();
      await branches.click();
      await expect(
        page
          .getByRole('list', { name: /^Branches of / })
          .getByRole('listitem')
          .first(),
      ).toBeVisible();
      await branches.click();
    }
    await signedIn(page);
  }

  expect(authorizeVisits()).toBe(1);
  expect(expiredAnswers()).toEqual([]);
  expect(renewals.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
  expect(renewals.filter((status) => status !== 200)).toEqual([]);
  // Each refresh was a rotation (a first refresh token, and one more per renewal that refreshed).
  expect(refreshTokens.length).toBeGreaterThanOrEqual(4);
  expect(simulator.refreshTokensUsedTwice()).toEqual([]);
  const seen = [...(await Promise.all(bodies)), { url: 'storage and document.cookie', text: await readable(page) }];
  expect(seen.some(({ url }) => url === `${APP}/relay/token`)).toBe(true);
  for (const token of refreshTokens)
    for (const { url, text } of seen) expect(text.includes(token), `a refresh token in ${url}`).toBe(false);
  expect(await page.evaluate(() => document.cookie)).toBe('');
});

test('a second tab is signed in with no redirect', async ({ page, context }) => {
  await signIn(page);
  simulator.clearRequests();
  const second = await context.newPage();
  const away: string[] = [];
  second.on('request', (request) => request.isNavigationRequest() && !request.url().startsWith(APP) && away.push(request.url()));
  await second.goto(`${APP}/`);
  await signedIn(second);
  await expect(second.getByRole('status')).toHaveText(/^\d+ repositories$/);
  expect(away).toEqual([]);
  expect(authorizeVisits()).toBe(0);
});

test('two tabs renewing at the same moment both stay signed in, and each refresh token is used once', async ({ page, context }) => {
  test.setTimeout(120_000);
  await signIn(page);
  // The second tab gets the token the relay keeps: the same expiry, so both renew at the same moment.
  const second = await context.newPage();
  await second.goto(`${APP}/`);
  await signedIn(second);
  const statuses: number[] = [];
  for (const tab of [page, second]) tab.on('response', (r) => r.url() === `${APP}/relay/token` && statuses.push(r.status()));
  await page.waitForTimeout(2 * LIFETIME_S * 1000 + 3000);
  for (const tab of [page, second]) {
    await signedIn(tab);
    await expect(tab.getByText(/session ends in/i)).toBeHidden();
  }
  expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4);
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
  expect(simulator.refreshTokensUsedTwice()).toEqual([]);
});

test('sign-out in one tab signs out every tab, and POST /relay/token then answers 401', async ({ page, context }) => {
  await signIn(page);
  const second = await context.newPage();
  await second.goto(`${APP}/`);
  await signedIn(second);
  await page.getByRole('button', { name: 'Sign out' }).click();
  for (const tab of [page, second]) await expect(tab.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
  const answer = await askForToken(second);
  expect(answer.status).toBe(401);
  expect(answer.body).not.toContain('access_token');
});

test('a reload in the middle of a renewal, after Bitbucket rotated and before the cookie was stored: warned, then asked to sign in again', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  // The page's renewal reaches the relay, which refreshes at Bitbucket (the refresh token rotates),
  // but the browser never gets the answer, nor the cookie with the new refresh token: as when the
  // page reloads mid-renewal. (Sent from here with the page's cookie: an intercepted request
  // carries no cookie of its own.)
  let rotated = 0;
  await page.route(`${APP}/relay/token`, async (route) => {
    const cookie = (await context.cookies(APP)).map(({ name, value }) => `${name}=${value}`).join('; ');
    const answer = await fetch(`${APP}/relay/token`, {
      method: 'POST',
      headers: { 'X-Bitbucket-Relay': '1', Origin: APP, Cookie: cookie },
    });
    if (answer.ok && answer.headers.get('set-cookie')) rotated++;
    await route.abort();
    await page.unroute(`${APP}/relay/token`);
  });
  await page.waitForTimeout(LIFETIME_S * 1000 * 0.75 + 1500);
  expect(rotated).toBe(1);
  await page.reload();
  await signedIn(page);
  // The next renewal carries the spent refresh token: the relay cannot renew, the user is told.
  await expect(page.getByText(/session ends in/i)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to Bitbucket from the browser', { timeout: 30_000 });
  await expect(page.getByRole('alert')).toContainText('Your Bitbucket session has ended');
  expect(await askForToken(page)).toMatchObject({ status: 401 });
  await clear(context);
});

/**
 * Drops the relay's cookies whose name matches `blocked`, as a browser that blocks them would:
 * the answer reaches the page, the cookie never stays (route.fetch would have stored it).
 */
async function blockCookies(page: Page, blocked: RegExp): Promise<void> {
  await page.route(`${APP}/relay/**`, async (route) => {
    const answer = await route.fetch({ maxRedirects: 0 });
    await page.context().clearCookies({ name: blocked });
    const headers = answer.headersArray().filter(({ name, value }) => name.toLowerCase() !== 'set-cookie' || !blocked.test(value));
    await route.fulfill({ response: answer, headers: Object.fromEntries(headers.map(({ name, value }) => [name, value])) });
  });
}

test('with every cookie of the relay blocked, the sign-in stops at the relay, on a page that says cookies may be blocked; nothing is kept', async ({
  page,
}) => {
  await blockCookies(page, /relay-/);
  await page.goto(`${APP}/`);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByText(/cookies are blocked/)).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/relay/callback');
  expect(await page.evaluate(() => sessionStorage.getItem('bitbucket-starter:session'))).toBeNull();
});

test('with only the session cookie blocked, the sign-in works but does not last: a warning, then sign in again at expiry', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await blockCookies(page, /relay-session/);
  await signIn(page);
  // The callback's cookie came on a redirect from Bitbucket, which no route sees: dropped here.
  await page.context().clearCookies({ name: /relay-session/ });
  await expect(page.getByText(/session ends in/i)).toBeVisible({ timeout: LIFETIME_S * 1000 });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to Bitbucket from the browser', { timeout: LIFETIME_S * 1000 });
  await expect(page.getByRole('alert')).toContainText('Your Bitbucket session has ended');
});

/** POST /relay/token as the app sends it, from the page. */
function askForToken(page: Page): Promise<{ status: number; body: string }> {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { method: 'POST', headers: { 'X-Bitbucket-Relay': '1' }, credentials: 'include' });
    return { status: response.status, body: await response.text() };
  }, `${APP}/relay/token`);
}

async function clear(context: BrowserContext): Promise<void> {
  await context.clearCookies();
}
