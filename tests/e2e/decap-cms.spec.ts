/**
 * Decap CMS (examples/decap-cms: decap-cms 3.16.3 from the npm registry) signing in to the
 * simulator through the relay, in Chromium, as its `npm start` runs it: the simulator as Bitbucket
 * today with 20-second tokens, the relay with RELAY_ALLOWED_ORIGINS = the site, and the site.
 * Then the handshake page's own cases with openers made for the test: a window that is not the
 * opener, an opener that never answers, a replayed state; and Decap on an origin not on the list.
 * Last, every call Decap made to the simulator's API, checked against Atlassian's OpenAPI
 * description and printed.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DECAP_DIST, startDecapExample, type DecapExample } from '../../examples/decap-cms/start.ts';
import { HANDSHAKE_TIMEOUT_MS } from '../../relay/decap-page.ts';
import type { SimRequestRecord } from '../../sim/index.ts';
import { DEFAULT_SCOPES } from '../../sim/tokens.ts';
import { PROVENANCE, SOURCE_TEMPLATE, allowedQuery, check, matchOperation, schemaFor, scopesFor } from '../contract/openapi.ts';
import { E2E } from './ports.ts';

const installed = existsSync(join(DECAP_DIST, 'decap-cms.js'));
const POSTS = ['Hello from Bitbucket', 'Signing in through a relay', 'Follow next, do not count pages', 'Front matter in a nutshell'];
const SITE = `http://localhost:${E2E.decapPorts.site}`;
const RELAY = `http://localhost:${E2E.decapPorts.relay}`;
/**
 * The same site under another name: an origin not on the list. 127.0.0.1 rather than a made-up
 * name, so that it stays a secure context as localhost is (Decap needs one to start).
 */
const FOREIGN_SITE = `http://127.0.0.1:${E2E.decapPorts.site}`;
const TOKEN_LIFETIME_SECONDS = 20;

let example: DecapExample;
const relayLog: string[] = [];

// Without the example's own install (npm ci --prefix examples/decap-cms) these are skipped; CI installs it.
test.skip(!installed && !process.env.CI, 'examples/decap-cms is not installed: npm ci --prefix examples/decap-cms');

test.beforeAll(async () => {
  expect(installed, "examples/decap-cms's dependencies (CI installs them)").toBe(true);
  example = await startDecapExample({
    ports: E2E.decapPorts,
    tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    log: (line) => relayLog.push(line),
  });
});

test.afterAll(async () => {
  await example?.close();
});

// Decap's bundle is large and each test signs in through a popup, some twice in two tabs: on a
// loaded 2-core machine that takes several times the 30 s default allows elsewhere.
test.describe.configure({ timeout: 90_000 });

test.beforeEach(() => {
  example.simulator.configure({ expiredTokenMessage: 'classic', faults: [] });
  relayLog.length = 0;
});

/** Every access token issued so far expires now (the simulator's control, as a clock would). */
async function expireAllTokens(): Promise<void> {
  const response = await fetch(`${example.simulator.apiBase.replace(/\/2\.0$/, '')}/__sim/expire-all`, { method: 'POST' });
  expect(response.status).toBe(204);
}

const postLinks = (page: Page) => page.getByRole('link').filter({ hasText: new RegExp(`^(${POSTS.join('|')})$`) });

/** Decap's "Login with Bitbucket", the popup, and the consent page's button; the popup and the /callback URL it was sent to. */
async function clickLogin(page: Page, button: 'Grant access' | 'Cancel' = 'Grant access') {
  const popupOpened = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Login with Bitbucket' }).click();
  const popup = await popupOpened;
  const callbacks: string[] = [];
  popup.on('request', (request) => {
    if (request.url().startsWith(`${RELAY}/callback?`)) callbacks.push(request.url());
  });
  const cspViolations: string[] = [];
  popup.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const handshake = popup.waitForResponse((response) => response.url().startsWith(`${RELAY}/callback?`));
  await popup.getByRole('button', { name: button }).click();
  return { popup, callbacks, cspViolations, handshake: await handshake };
}

/** A whole sign-in from Decap's login page to its list of posts. */
async function signIn(page: Page, site = SITE) {
  await page.goto(`${site}/admin/`);
  const login = await clickLogin(page);
  await expect.poll(() => login.popup.isClosed(), { message: 'Decap closes the popup once it has the token' }).toBe(true);
  await expect(postLinks(page)).toHaveText(POSTS);
  return login;
}

/** What Decap keeps in localStorage for the signed-in user. */
async function storedUser(page: Page): Promise<{ token?: string; refresh_token?: string } | null> {
  return page.evaluate(
    () => JSON.parse(localStorage.getItem('decap-cms-user') ?? 'null') as { token?: string; refresh_token?: string } | null,
  );
}

/** Opens a post in Decap's editor and waits for its text. */
async function openPost(page: Page, title: string): Promise<void> {
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page.getByText(`Writing in Posts collection`)).toBeVisible();
}

test.describe('Decap CMS through the relay', () => {
  test('signs in by the popup and lists the posts of dana-demo/site; the refresh token it keeps is sealed', async ({ page, context }) => {
    const { handshake, cspViolations } = await signIn(page);

    // The handshake page as Chromium got it: its script allowed by hash, nothing else loaded, no opener policy.
    const headers = handshake.headers();
    expect(headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'sha256-[\w+/]+=*'; /);
    expect(headers['cross-origin-opener-policy']).toBeUndefined();
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(cspViolations).toEqual([]);

    // Decap keeps the token and the sealed refresh token in localStorage; no session cookie at the relay.
    const user = await storedUser(page);
    expect(user?.token).toMatch(/^[\w-]{20,}$/);
    expect(user?.refresh_token).toMatch(/^s1\.[\w-]+$/);
    expect((await context.cookies(RELAY)).map((cookie) => cookie.name)).toEqual([]);
    expect(relayLog).toContain('decap callback: token issued, refresh token sealed, handing it to Decap CMS');

    await openPost(page, 'Signing in through a relay');
    await expect(page.getByText('The page goes through a small relay instead')).toBeVisible();
  });

  test(`keeps working past its ${TOKEN_LIFETIME_SECONDS}-second token: "Access token expired" makes it refresh through /auth/refresh`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const refreshes: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${RELAY}/auth/refresh?`)) refreshes.push(response.status());
    });
    await signIn(page);
    const first = await storedUser(page);
    // Past the token's life, by the real clock.
    await page.waitForTimeout((TOKEN_LIFETIME_SECONDS + 3) * 1000);
    await openPost(page, 'Follow next, do not count pages');
    await expect(page.getByRole('textbox', { name: 'Description' })).toHaveValue('How to walk a long list from the Bitbucket API.');
    expect(refreshes).toEqual([200]);
    const renewed = await storedUser(page);
    expect(renewed?.token).not.toBe(first?.token);
    expect(renewed?.refresh_token).toMatch(/^s1\./);
    expect(renewed?.refresh_token).not.toBe(first?.refresh_token);
    expect(relayLog).toContain('decap refresh: renewed at Bitbucket, refresh token rotated');
    // And after a reload, with what it stored.
    await page.reload();
    await expect(page.getByRole('textbox', { name: 'Description' })).toHaveValue('How to walk a long list from the Bitbucket API.');
  });

  test("with Bitbucket's newer expiry message it never refreshes: an error, then the login page after a reload", async ({ page }) => {
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${RELAY}/auth/refresh`)) refreshes.push(request.url());
    });
    await signIn(page);
    example.simulator.configure({ expiredTokenMessage: 'newer' });
    await expireAllTokens();
    await page.getByRole('link', { name: 'Front matter in a nutshell', exact: true }).click();
    // Measured with decap-cms 3.16.3: it reads the 401's body to test the message, then reads it again.
    await expect(
      page.getByText("Failed to load entry: Failed to execute 'json' on 'Response': body stream already read").first(),
    ).toBeVisible();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
    expect(refreshes).toEqual([]);
  });

  test('two tabs past expiry: the first refreshes; the second presents the spent value and fails; after a reload both ask to sign in', async ({
    page,
    context,
  }) => {
    await signIn(page);
    const second = await context.newPage();
    await second.goto(`${SITE}/admin/`);
    await expect(postLinks(second)).toHaveText(POSTS);
    await expireAllTokens();

    await openPost(page, 'Signing in through a relay');
    await expect(page.getByText('The page goes through a small relay instead')).toBeVisible();
    // The second tab still holds the sealed value the first one has just rotated at Bitbucket.
    await second.getByRole('link', { name: 'Front matter in a nutshell', exact: true }).click();
    await expect(
      second.getByText('Failed to load entry: Token is invalid, expired, or not supported for this endpoint.').first(),
    ).toBeVisible();
    expect(relayLog.filter((line) => line.startsWith('decap refresh:'))).toEqual([
      'decap refresh: renewed at Bitbucket, refresh token rotated',
      'decap refresh: refresh failed (INVALID_GRANT)',
    ]);
    // Decap stored the failed refresh's (empty) answer for both tabs.
    expect(await storedUser(second)).not.toHaveProperty('token');
    // The first tab keeps working with the token it holds in memory…
    const firstTabApi: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(example.simulator.apiBase)) firstTabApi.push(response.status());
    });
    await page.getByRole('link', { name: /Writing in Posts collection/ }).click();
    await openPost(page, 'Hello from Bitbucket');
    expect(firstTabApi.length).toBeGreaterThan(0);
    expect(firstTabApi.filter((status) => status !== 200)).toEqual([]);
    // …but the second, reloaded, asks to sign in; and so does the first once reloaded.
    await second.reload();
    await expect(second.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
  });

  test('logging out of Decap leaves it asking to sign in, with nothing kept', async ({ page }) => {
    await signIn(page);
    await page.getByRole('button', { name: 'Account options dropdown' }).click();
    await page.getByRole('menuitem', { name: 'Log Out' }).click();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
    expect(await storedUser(page)).toBeNull();
    await page.reload();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
  });

  test('a failed refresh shows an error, and the login page after a reload', async ({ page }) => {
    await signIn(page);
    // Bitbucket refuses the relay's refresh request.
    example.simulator.configure({ faults: [{ path: '/site/oauth2/access_token', kind: 'status', status: 400 }] });
    await expireAllTokens();
    await page.getByRole('link', { name: 'Front matter in a nutshell', exact: true }).click();
    await expect(
      page.getByText('Failed to load entry: Token is invalid, expired, or not supported for this endpoint.').first(),
    ).toBeVisible();
    expect(relayLog).toContain('decap refresh: refresh failed (REQUEST_REJECTED)');
    await page.reload();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
  });

  test("a cancelled consent: Decap shows Bitbucket's error and stays on its login page", async ({ page }) => {
    await page.goto(`${SITE}/admin/`);
    const { popup } = await clickLogin(page, 'Cancel');
    await expect.poll(() => popup.isClosed()).toBe(true);
    await expect(page.getByText('The user denied access.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Login with Bitbucket' })).toBeVisible();
    expect(await storedUser(page)).toBeNull();
  });

  test('Decap on an origin not on the list gets no token: the popup answers its handshake with nothing', async ({ page }) => {
    await page.addInitScript(() => {
      const seen: string[] = [];
      Object.assign(window, { seenMessages: seen });
      window.addEventListener('message', (event) => seen.push(String(event.data)));
    });
    await page.goto(`${FOREIGN_SITE}/admin/`);
    const { popup } = await clickLogin(page);
    await expect(popup.getByRole('status')).toHaveText('Handing your sign-in to Decap CMS…');
    // Decap answered the announcement (it checks only that it came from its base_url); nothing came back.
    await page.waitForTimeout(1000);
    expect(await page.evaluate(() => (window as unknown as { seenMessages: string[] }).seenMessages)).toEqual(['authorizing:bitbucket']);
    expect(await storedUser(page)).toBeNull();
    expect(popup.isClosed()).toBe(false);
    await popup.close();
  });
});

/** A page at an allowed origin, made for the test: it opens the relay's popup and records the messages it gets. */
const OPENER = `${SITE}/test/opener.html`;
const OPENER_HTML = `<!doctype html><title>opener</title><iframe src="/test/frame.html"></iframe><script>
  window.received = [];
  window.echo = true;
  window.addEventListener('message', (event) => {
    window.received.push({ data: String(event.data), origin: event.origin, fromPopup: event.source === window.popup });
    // As Decap answers: the announcement, back to the popup at its origin.
    if (window.echo && event.data === 'authorizing:bitbucket' && event.source === window.popup) window.popup.postMessage(event.data, event.origin);
  });
  window.openRelay = (url, name) => { window.popup = window.open(url, name); };
</script>`;
/** A frame of the opener, at the same (allowed) origin: a window that is not the popup's opener. */
const FRAME_HTML = `<!doctype html><title>frame</title><script>
  window.answerAsStranger = () => window.open('', 'relay-popup').postMessage('authorizing:bitbucket', '*');
</script>`;

async function openerPage(context: BrowserContext, page: Page, options: { echo: boolean }) {
  await context.route(OPENER, (route) => route.fulfill({ contentType: 'text/html', body: OPENER_HTML }));
  await context.route(`${SITE}/test/frame.html`, (route) => route.fulfill({ contentType: 'text/html', body: FRAME_HTML }));
  await page.goto(OPENER);
  await page.evaluate((echo) => Object.assign(window, { echo }), options.echo);
  return {
    received: () =>
      page.evaluate(() => (window as unknown as { received: { data: string; origin: string; fromPopup: boolean }[] }).received),
    /**
     * Opens `url` in a popup named `name` and resolves with the popup. A second popup gets a name of
     * its own: once in CI, reopening under the name of a popup just closed opened no popup (the
     * browser may still find the closing window by its name, and navigate it instead).
     */
    open: async (url: string, name = 'relay-popup') => {
      const popupOpened = page.waitForEvent('popup');
      await page.evaluate(
        ([target, windowName]) => (window as unknown as { openRelay: (url: string, name: string) => void }).openRelay(target, windowName),
        [url, name] as const,
      );
      return popupOpened;
    },
  };
}

test.describe("the relay's handshake page in Chromium", () => {
  test('a window that is not the opener, at an allowed origin, gets nothing; the opener then gets the token at its origin', async ({
    page,
    context,
  }) => {
    const opener = await openerPage(context, page, { echo: false });
    const popup = await opener.open(`${RELAY}/auth?provider=bitbucket&site_id=localhost&scope=repo`);
    await popup.getByRole('button', { name: 'Grant access' }).click();
    await expect(popup.getByRole('status')).toHaveText('Handing your sign-in to Decap CMS…');

    await page.frames()[1]?.evaluate(() => (window as unknown as { answerAsStranger: () => void }).answerAsStranger());
    await page.waitForTimeout(500);
    expect((await opener.received()).map((message) => message.data)).toEqual(['authorizing:bitbucket']);
    await expect(popup.getByRole('status')).toHaveText('Handing your sign-in to Decap CMS…');

    // The opener itself answers: the token comes, to its origin.
    await page.evaluate((relay) => (window as unknown as { popup: Window }).popup.postMessage('authorizing:bitbucket', relay), RELAY);
    await expect(popup.getByRole('status')).toHaveText('Signed in. Decap CMS closes this window; if it stays open, close it.');
    const received = await opener.received();
    expect(received).toHaveLength(2);
    expect(received[1]).toMatchObject({ origin: RELAY, fromPopup: true });
    expect(received[1]?.data).toMatch(
      /^authorization:bitbucket:success:\{"token":"[\w-]+","provider":"bitbucket","refresh_token":"s1\.[\w-]+"\}$/,
    );
  });

  test(`an opener that never answers: after ${HANDSHAKE_TIMEOUT_MS / 1000} s the page says so and hands nothing over`, async ({
    page,
    context,
  }) => {
    await context.clock.install();
    const opener = await openerPage(context, page, { echo: false });
    const popup = await opener.open(`${RELAY}/auth?provider=bitbucket&site_id=localhost&scope=repo`);
    await popup.getByRole('button', { name: 'Grant access' }).click();
    await expect(popup.getByRole('status')).toHaveText('Handing your sign-in to Decap CMS…');
    await popup.clock.runFor(HANDSHAKE_TIMEOUT_MS);
    await expect(popup.getByRole('status')).toHaveText(
      'Decap CMS did not answer, so this window handed nothing over. Close it and sign in again from Decap CMS.',
    );
    // Too late now.
    await page.evaluate((relay) => (window as unknown as { popup: Window }).popup.postMessage('authorizing:bitbucket', relay), RELAY);
    await page.waitForTimeout(500);
    expect((await opener.received()).map((message) => message.data)).toEqual(['authorizing:bitbucket']);
    expect(await popup.evaluate(() => document.body.innerHTML)).not.toContain('"token"');
  });

  test('a replayed /callback: an error by message, never a token, and the code is spent', async ({ page, context }) => {
    const opener = await openerPage(context, page, { echo: true });
    const popup = await opener.open(`${RELAY}/auth?provider=bitbucket&site_id=localhost&scope=repo`);
    const callbackUrl = popup.waitForRequest((request) => request.url().startsWith(`${RELAY}/callback?`));
    await popup.getByRole('button', { name: 'Grant access' }).click();
    const replayed = (await callbackUrl).url();
    await expect.poll(async () => (await opener.received()).length).toBe(2);
    // Decap would close it; the test's opener does not.
    await popup.close();

    // The same URL again, as from the history: its nonce cookie is gone.
    const again = await opener.open(replayed, 'relay-popup-replayed');
    await expect(again.getByText('Error code: NONCE_MISSING')).toBeVisible();
    await expect.poll(async () => (await opener.received()).length).toBe(4);
    const received = await opener.received();
    expect(received[3]?.data).toMatch(/^authorization:bitbucket:error:\{"provider":"bitbucket","error":"NONCE_MISSING","message":".+"\}$/);
    expect(relayLog).toContain("decap callback: the refused callback's code could not be spent (INVALID_GRANT)");
  });
});

/** A difference between the description and what Decap sends, accepted by name (tests/contract/openapi.ts keeps the answers' ones). */
const REQUEST_EXCEPTIONS = {
  'commits-path-and-include-in-prose': {
    why:
      "GET …/commits takes `include` and `path`, as the operation's prose says (and Decap sends them to find a file's " +
      'last commit), but declares neither among its query parameters.',
    explains: (template: string, name: string) =>
      template === '/repositories/{workspace}/{repo_slug}/commits' && ['include', 'path'].includes(name),
  },
} as const;

test('every call Decap made to the API names an operation of the OpenAPI description, with declared parameters and scopes', async ({
  page,
}) => {
  // One more sign-in and an entry, so that this test has calls of its own to check.
  await signIn(page);
  await openPost(page, 'Hello from Bitbucket');
  const records = example.simulator.requests().filter((record) => record.server === 'api' && record.method !== 'OPTIONS');
  expect(records.length).toBeGreaterThan(10);

  const granted = DEFAULT_SCOPES.split(' ');
  const rows = new Map<string, { count: number; statuses: Set<number>; exceptions: Set<string>; schema: string }>();
  const answersChecked = new Set<string>();
  for (const record of records) {
    const url = new URL(record.url);
    const where = `${record.method} ${url.pathname}${url.search}`;
    const operation = matchOperation(record.method, url.pathname.replace(/^\/2\.0/, ''));
    expect(operation, `${where} names an operation`).toBeDefined();
    if (operation === undefined) continue;
    const exceptions = new Set<string>();
    const allowed = allowedQuery(record.method, operation.template);
    for (const name of new Set(url.searchParams.keys())) {
      if (allowed.includes(name)) continue;
      const exception = Object.entries(REQUEST_EXCEPTIONS).find(([, candidate]) => candidate.explains(operation.template, name));
      expect(exception, `${where}: query parameter ${name} is declared or named`).toBeDefined();
      if (exception !== undefined) exceptions.add(exception[0]);
    }
    const scopes = scopesFor(record.method, operation.template);
    expect(scopes.oauth.length, `${where}: the description names a scope`).toBeGreaterThan(0);
    for (const scope of scopes.oauth) expect(granted, `${where} needs ${scope}`).toContain(scope);
    expect(record.headers['authorization'], where).toMatch(/^Bearer sha256:/);

    // The answer, asked again with a token of the same scopes, against the schema the description declares.
    const schema = answersChecked.has(record.url) ? '(checked)' : await checkAnswer(record, operation.template);
    answersChecked.add(record.url);
    const key = `${record.method} ${operation.template}${[...new Set(url.searchParams.keys())].map((name) => ` ${name}`).join('')}`;
    const row = rows.get(key) ?? { count: 0, statuses: new Set<number>(), exceptions: new Set<string>(), schema };
    row.count += 1;
    row.statuses.add(record.status);
    for (const name of exceptions) row.exceptions.add(name);
    if (schema !== '(checked)') row.schema = schema;
    rows.set(key, row);
  }
  const lines = [...rows].map(
    ([key, row]) =>
      `  ${String(row.count).padStart(3)} × ${key} → ${[...row.statuses].join('/')} (${row.schema})${row.exceptions.size > 0 ? ` [named exception: ${[...row.exceptions].join(', ')}]` : ''}`,
  );
  console.log(
    `Decap CMS's calls to the simulator's API in this run (${records.length}), checked against Atlassian's OpenAPI description (x-revision ${PROVENANCE.x_revision}):\n${lines.join('\n')}`,
  );
});

/** GETs the recorded URL again with a fresh token and checks its answer; returns the schema it was checked against. */
async function checkAnswer(record: SimRequestRecord, template: string): Promise<string> {
  const response = await fetch(record.url, { headers: { authorization: `Bearer ${example.simulator.issueToken()}` } });
  expect(response.status, record.url).toBe(record.status);
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  if (template === SOURCE_TEMPLATE && response.status === 200 && !type.startsWith('application/json')) {
    // Named exception source-file-is-raw (tests/contract/openapi.ts): the file itself.
    expect(type, record.url).toMatch(/^(text\/plain|image\/svg\+xml)$/);
    return 'raw file: source-file-is-raw';
  }
  const url = new URL(record.url);
  const declared = schemaFor(record.method, template, response.status, url.searchParams);
  const verdict = check(declared.schema, JSON.parse(text), { status: response.status, partial: url.searchParams.has('fields') });
  expect(verdict.unexplained, `${record.url} against ${declared.schema}`).toEqual([]);
  return [declared.schema, ...declared.exceptions, ...verdict.exceptions].join(', ');
}
