/**
 * The unchanged app signing in through the token relay (relay/, docs/relay.md), in a real browser,
 * against the simulator: the app is the build on `E2E.relayAppOrigin`, whose authorize URL is the
 * relay; the relay runs the authorization-code grant with the simulator as Bitbucket. Every test
 * runs twice (playwright.config.ts): on the Node adapter, and on workerd, the Workers runtime.
 */
import type { Page } from '@playwright/test';
import { readRelayConfig } from '../../relay/config.ts';
import { startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { locateWorkerd, MISSING_RUNTIME_MESSAGE, startWorkerdRelay } from '../../relay/workerd.ts';
import { fingerprint } from '../../sim/index.ts';
import type { SimClient, SimRequestRecord } from '../../sim/index.ts';
import { E2E } from './ports.ts';
import { expect, storedKeys, storedToken, test as base } from './fixtures.ts';
import type { SimulatorControl } from './fixtures.ts';

// `localhost` everywhere: the relay's nonce cookie belongs to the host name used for /authorize.
const RELAY = `http://localhost:${E2E.relayPort}`;
const APP = E2E.relayAppOrigin;
const TOKEN_URL = `http://localhost:${E2E.authPort}/site/oauth2/access_token`;

/** The relay's OAuth consumer at the simulator; its callback URL is the relay's /callback. */
const RELAY_CLIENT: SimClient = {
  clientId: 'e2e-relay-client',
  name: 'Bitbucket starter (e2e, through the relay)',
  callbackUrl: `${RELAY}/callback`,
  secret: 'e2e-relay-consumer-secret',
};
/** The consumer global setup registered; other tests use it, so it stays on the list. */
const APP_CLIENT: SimClient = {
  clientId: E2E.clientId,
  name: 'Bitbucket starter (e2e)',
  callbackUrl: `${E2E.appOrigin}/`,
  secret: 'e2e-secret',
};

/** Which runtime serves the relay: a Playwright project option (see playwright.config.ts). */
export type RelayRuntime = 'node' | 'workerd';

const test = base.extend<object, { relayRuntime: RelayRuntime }>({
  relayRuntime: ['node', { option: true, scope: 'worker' }],
});

let relay: RelayServer | undefined;
const relayLog: string[] = [];

// Where the relay is worked on, `npm ci --prefix relay` installs workerd; CI always does, so there
// a missing runtime fails the run instead of skipping it.
test.skip(({ relayRuntime }) => relayRuntime === 'workerd' && !locateWorkerd().ok && !process.env.CI, MISSING_RUNTIME_MESSAGE);

test.beforeAll(async ({ relayRuntime }) => {
  const result = readRelayConfig({
    BITBUCKET_CLIENT_ID: RELAY_CLIENT.clientId,
    BITBUCKET_CLIENT_SECRET: RELAY_CLIENT.secret,
    RELAY_ALLOWED_CALLBACKS: `${APP}/oauth-callback`,
    RELAY_SECRET: 'e2e-relay-signing-secret-0123456789abcdef',
    BITBUCKET_AUTHORIZE_URL: E2E.authorizeUrl,
    BITBUCKET_TOKEN_URL: TOKEN_URL,
  });
  if (!result.ok) throw new Error(`relay config: ${result.problems.map((problem) => problem.message).join('; ')}`);
  const log = (line: string) => relayLog.push(line);
  relay =
    relayRuntime === 'workerd'
      ? await startWorkerdRelay(result.config, E2E.relayPort, { log })
      : await startRelayServer(result.config, E2E.relayPort, { log });
});

test.afterAll(async () => {
  await relay?.close();
});

// The fixture has just reset the simulator to its start clients: register the relay's again.
test.beforeEach(async ({ sim }) => {
  // Bitbucket as it behaves today: the relay's authorization-code grant is the way in now.
  await sim.configure({ bitbucketToday: true, clients: [APP_CLIENT, RELAY_CLIENT] });
});

/** Every URL the page requested or showed, and every redirect target it was handed, in order. */
function recordUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  page.on('response', (response) => {
    const location = response.headers()['location'];
    if (location !== undefined) urls.push(location);
  });
  return urls;
}

/** From the app's landing page through the relay to the simulator's consent page; returns that page's URL. */
async function startSignIn(page: Page): Promise<URL> {
  await page.goto(`${APP}/`);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await expect(page.getByRole('button', { name: 'Grant access' })).toBeVisible();
  const consent = new URL(page.url());
  expect(`${consent.origin}${consent.pathname}`).toBe(E2E.authorizeUrl);
  return consent;
}

/** A whole sign-in through the relay, ending on the app with the repositories listed. */
async function signInThroughRelay(page: Page): Promise<void> {
  await startSignIn(page);
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${APP}/`);
  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
}

/** The relay's /callback URLs among `urls` (what the simulator sent the browser to). */
function relayCallbacks(urls: string[]): string[] {
  return [...new Set(urls.filter((url) => url.startsWith(`${RELAY}/callback?`)))];
}

/** The requests the relay made to the simulator's token endpoint. */
async function tokenRequests(sim: SimulatorControl): Promise<SimRequestRecord[]> {
  return (await sim.requests()).filter((request) => request.method === 'POST' && request.url === TOKEN_URL);
}

/**
 * Grants access on the consent page, but keeps the browser from reaching the relay: the consent
 * form is posted from here, and its redirect (to the relay's /callback, with a fresh code) is
 * returned instead of followed.
 */
async function holdCallback(page: Page): Promise<URL> {
  let held: URL | undefined;
  await page.route(E2E.authorizeUrl, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const decided = await route.fetch({ maxRedirects: 0 });
    held = new URL(decided.headers()['location'] ?? '', E2E.authorizeUrl);
    return route.fulfill({ status: 204 });
  });
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect.poll(() => held?.href.startsWith(`${RELAY}/callback?`)).toBe(true);
  await page.unrouteAll();
  return held as URL;
}

/** The relay's HTML error page, showing `code`, at the address that was opened. */
async function expectRelayErrorPage(page: Page, code: string): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Sign-in could not continue' })).toBeVisible();
  await expect(page.getByText(code, { exact: true })).toBeVisible();
}

test('through the relay: consent on Bitbucket, back on the app with the repositories, no token left in sight', async ({
  page,
  sim,
  relayRuntime,
}) => {
  const urls = recordUrls(page);
  const consent = await startSignIn(page);
  // The relay, not the app, speaks to Bitbucket: its own consumer, the code grant, its own state.
  expect(consent.searchParams.get('client_id')).toBe(RELAY_CLIENT.clientId);
  expect(consent.searchParams.get('response_type')).toBe('code');
  await expect(page.getByText(RELAY_CLIENT.name).first()).toBeVisible();

  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL(`${APP}/`);
  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
  await expect(page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /sign out/i })).toBeVisible();

  // The way back: simulator → relay /callback → the app's callback → the app.
  expect(relayCallbacks(urls)).toHaveLength(1);
  expect(urls.some((url) => url.startsWith(`${APP}/oauth-callback#access_token=`))).toBe(true);

  const token = await storedToken(page);
  expect(token).not.toBe('');
  expect(page.url()).toBe(`${APP}/`);
  // The refresh token the simulator issued stopped at the relay: no URL or redirect carried one.
  for (const url of urls) expect(url).not.toContain('refresh_token');
  expect(JSON.stringify(await page.evaluate(() => ({ ...sessionStorage })))).not.toContain('refresh');
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  // The relay's one-time nonce cookie is gone once the sign-in is over; what is left is the session
  // cookie, which Chromium kept although it is Secure and came over http (localhost is a secure context).
  const cookies = await page.context().cookies(RELAY);
  expect(cookies.map(({ name, path, httpOnly, secure, sameSite }) => ({ name, path, httpOnly, secure, sameSite }))).toEqual([
    { name: 'relay-session', path: '/', httpOnly: true, secure: true, sameSite: 'Strict' },
  ]);
  expect(cookies[0]?.value).toMatch(/^s1\.[\w-]+$/);
  // Sealed: the token it holds cannot be read in it, and the page's script cannot read it at all.
  expect(cookies[0]?.value).not.toContain(token);
  expect(await page.evaluate(() => document.cookie)).toBe('');

  const log = await sim.requests();
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([200]);
  const apiRequests = log.filter((request) => request.server === 'api' && request.method === 'GET');
  expect(apiRequests.length).toBeGreaterThan(0);
  for (const request of apiRequests) {
    expect(request.headers['authorization']).toBe(`Bearer ${fingerprint(token)}`);
    expect(request.url).not.toContain(token);
    for (const [name, value] of Object.entries(request.headers)) if (name !== 'authorization') expect(value).not.toContain(token);
  }
  for (const request of log) expect(request.url).not.toContain(token);

  // The relay's own lines came from the runtime this project names: the Node adapter adds one
  // line per request, workerd does not (its output is the Worker's console).
  expect(relayLog).toContain('callback: token issued, session kept, redirecting to the app');
  expect(relayLog.includes('GET /callback 302')).toBe(relayRuntime === 'node');

  // The relay logged neither the token nor the code.
  const code = new URL(relayCallbacks(urls)[0] ?? '').searchParams.get('code') ?? '';
  expect(code).not.toBe('');
  for (const line of relayLog) {
    expect(line).not.toContain(token);
    expect(line).not.toContain(code);
  }
});

test('Cancel on the consent page: the app says access was not granted, nothing is stored', async ({ page, sim }) => {
  await startSignIn(page);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alert')).toContainText('did not grant access');
  expect(page.url()).toBe(`${APP}/oauth-callback`);
  expect(await storedKeys(page)).toEqual([]);
  expect(await tokenRequests(sim)).toEqual([]);
  await page.getByRole('link', { name: /try again/i }).click();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('a callback URL that is not on the allow-list: an error page from the relay, no redirect', async ({ page, sim }) => {
  const urls = recordUrls(page);
  const target = `${RELAY}/authorize?state=x&redirect_uri=http://evil.example/oauth-callback`;
  const response = await page.goto(target);

  expect(response?.status()).toBe(400);
  await expectRelayErrorPage(page, 'REDIRECT_URI_NOT_ALLOWED');
  expect(page.url()).toBe(target);
  for (const url of urls) expect(new URL(url).origin).toBe(RELAY);
  expect(await page.context().cookies(RELAY)).toEqual([]);
  // Nothing reached Bitbucket.
  expect((await sim.requests()).filter((request) => request.server === 'auth')).toEqual([]);
});

test('a tampered relay state: an error page from the relay, no call to the token endpoint, no redirect to the app', async ({
  page,
  sim,
}) => {
  const consent = await startSignIn(page);
  const relayState = consent.searchParams.get('state') ?? '';
  expect(relayState).toMatch(/^s1\.[\w-]+$/);

  const heldCallback = await holdCallback(page);
  const code = heldCallback.searchParams.get('code') ?? '';
  expect(code).not.toBe('');
  expect(heldCallback.searchParams.get('state')).toBe(relayState);

  // One character of the sealed state changed: its seal no longer holds.
  const at = relayState.indexOf('.') + 10;
  const tampered = `${relayState.slice(0, at)}${relayState[at] === 'A' ? 'B' : 'A'}${relayState.slice(at + 1)}`;
  const urls = recordUrls(page);
  const target = `${RELAY}/callback?${new URLSearchParams({ code, state: tampered })}`;
  const response = await page.goto(target);

  expect(response?.status()).toBe(400);
  await expectRelayErrorPage(page, 'STATE_TAMPERED');
  expect(page.url()).toBe(target);
  expect(urls.filter((url) => url.startsWith(APP))).toEqual([]);
  // A state the relay did not seal never makes it call the token endpoint in the consumer's name
  // (a stranger could otherwise make it do so at will); a real code comes back with a real state.
  expect(await tokenRequests(sim)).toEqual([]);
  expect(await page.content()).not.toContain('access_token');
});

test('a code from a refused callback (the older of two sign-ins in one browser) is spent: nobody can redeem it later', async ({
  page,
  browser,
  sim,
}) => {
  // The victim's first sign-in: consent given, its redirect to the relay (with a live code) held back.
  await startSignIn(page);
  const held = await holdCallback(page);
  const code = held.searchParams.get('code') ?? '';
  expect(code).not.toBe('');
  // A second sign-in in the same browser replaces the nonce cookie: the later one wins…
  await startSignIn(page);
  // …so the first one's callback is refused, with the page it always had.
  const refused = await page.goto(held.href);
  expect(refused?.status()).toBe(400);
  await expectRelayErrorPage(page, 'NONCE_MISMATCH');
  expect(page.url()).toBe(held.href);

  // Someone who later reads that URL (history, a proxy log) starts a sign-in of their own and
  // hands the relay the victim's code with their own state.
  const attacker = await browser.newContext();
  try {
    const attackerPage = await attacker.newPage();
    const consent = await startSignIn(attackerPage);
    const state = consent.searchParams.get('state') ?? '';
    await attackerPage.goto(`${RELAY}/callback?${new URLSearchParams({ code, state })}`);
    await expect(attackerPage.getByRole('alert')).toContainText('invalid_grant');
    expect(await storedToken(attackerPage)).toBe('');
  } finally {
    await attacker.close();
  }
  // The relay spent the code when it refused the callback (that token was thrown away), so the
  // attacker's try found it used.
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([200, 400]);
  for (const line of relayLog) expect(line).not.toContain(code);
});

test('the relay /callback URL replayed after a sign-in: refused, no second token (the used code is tried once more and refused)', async ({
  page,
  sim,
}) => {
  const urls = recordUrls(page);
  await signInThroughRelay(page);
  const [callbackUrl] = relayCallbacks(urls);
  expect(callbackUrl).toBeDefined();
  const appCallbacksBefore = urls.filter((url) => url.startsWith(`${APP}/oauth-callback`)).length;

  const response = await page.goto(callbackUrl ?? '');

  expect(response?.status()).toBe(400);
  // The sign-in is over: its cookie was cleared at the first /callback.
  await expectRelayErrorPage(page, 'NONCE_MISSING');
  expect(page.url()).toBe(callbackUrl);
  expect(urls.filter((url) => url.startsWith(`${APP}/oauth-callback`)).length).toBe(appCallbacksBefore);
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([200, 400]);
});

test('a code used once, sent again with a fresh sign-in: the app shows the OAuth error, nothing is stored', async ({ page, sim }) => {
  const urls = recordUrls(page);
  await signInThroughRelay(page);
  const firstCode = new URL(relayCallbacks(urls)[0] ?? '').searchParams.get('code') ?? '';
  expect(firstCode).not.toBe('');

  await page.getByRole('button', { name: /sign out/i }).click();
  const consent = await startSignIn(page);
  const secondState = consent.searchParams.get('state') ?? '';
  // Instead of granting: the relay's /callback with this sign-in's state and the first code.
  await page.goto(`${RELAY}/callback?${new URLSearchParams({ code: firstCode, state: secondState })}`);

  await expect(page.getByRole('alert')).toContainText('Bitbucket could not sign you in');
  await expect(page.getByRole('alert')).toContainText('invalid_grant');
  expect(page.url()).toBe(`${APP}/oauth-callback`);
  expect(await storedKeys(page)).toEqual([]);
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([200, 400]);
});

test("Bitbucket's token endpoint failing: the app says so, nothing is stored", async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: '/site/oauth2/access_token', kind: 'status', status: 503 }] });
  await startSignIn(page);
  await page.getByRole('button', { name: 'Grant access' }).click();

  await expect(page.getByRole('alert')).toContainText('Bitbucket could not sign you in');
  await expect(page.getByRole('alert')).toContainText('temporarily_unavailable');
  expect(page.url()).toBe(`${APP}/oauth-callback`);
  expect(await storedKeys(page)).toEqual([]);
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([503]);
});

test('the session in Chromium: the app’s site gets a token from POST /token with the cookie; another site’s page gets nothing; sign-out ends it', async ({
  page,
  sim,
}) => {
  await signInThroughRelay(page);
  const token = await storedToken(page);
  /** POST to the relay from the page now open, as the app's renewal will: with credentials and the custom header. */
  const post = (path: string, mode: RequestMode = 'cors') =>
    page.evaluate(
      async ({ url, mode }) => {
        try {
          const init: RequestInit = { method: 'POST', credentials: 'include', mode };
          if (mode === 'cors') init.headers = { 'X-Bitbucket-Relay': '1' };
          const response = await fetch(url, init);
          return { status: response.status, type: response.type, body: response.type === 'opaque' ? '' : await response.text() };
        } catch (error) {
          return { status: 0, type: 'error', body: String(error) };
        }
      },
      { url: `${RELAY}${path}`, mode },
    );

  // A page of the app's origin (its /healthcheck: the app's own pages only connect to the API).
  // The relay is on another port of localhost: another origin, the same site, so the
  // SameSite=Strict cookie goes with a credentialed fetch, after a preflight the relay allows.
  await page.goto(`${APP}/healthcheck`);
  const kept = await post('/token');
  expect(kept.status).toBe(200);
  expect(JSON.parse(kept.body)).toMatchObject({ access_token: token, token_type: 'bearer', scope: 'account repository' });

  // A page of another site (app.test resolves to this machine): its CORS request is refused at
  // the preflight; its no-cors one reaches the relay without the cookie and without the header.
  await page.goto(`${APP.replace('localhost', 'app.test')}/healthcheck`);
  const foreign = await post('/token');
  expect(foreign).toMatchObject({ status: 0, type: 'error' });
  const blind = await post('/token', 'no-cors');
  expect(blind.type).toBe('opaque');
  expect(relayLog).toContain('token: refused (origin_not_allowed)');
  expect(await tokenRequests(sim)).toHaveLength(1);

  // Sign-out from the app's site: the refresh token is spent at Bitbucket, then the cookie cleared.
  await page.goto(`${APP}/healthcheck`);
  expect((await post('/sign-out')).status).toBe(204);
  expect(await page.context().cookies(RELAY)).toEqual([]);
  expect((await tokenRequests(sim)).map((request) => request.status)).toEqual([200, 200]);
  const after = await post('/token');
  expect(after.status).toBe(401);
  expect(JSON.parse(after.body)).toMatchObject({ error: 'no_session' });
});
