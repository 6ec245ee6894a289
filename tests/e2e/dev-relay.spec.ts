/**
 * Real Bitbucket in one command: the dev server with only the consumer's Key and Secret in `.env`
 * (BITBUCKET_CLIENT_ID, BITBUCKET_CLIENT_SECRET) runs the relay on the app's own origin. Here
 * "Bitbucket" is a simulator of its own, and the `.env` also holds the simulator's URLs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Response as PlaywrightResponse } from '@playwright/test';
import { build, createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import { fingerprint, startSimulator } from '../../sim/index.ts';
import type { Simulator } from '../../sim/index.ts';
import { E2E } from './ports.ts';
import { expect, test } from './fixtures.ts';

const APP = E2E.devRelayOrigin;
const CLIENT_ID = 'dev-relay-consumer-key';
// Distinctive, so that finding it anywhere means it leaked.
const CLIENT_SECRET = 'dev-relay-consumer-SECRET-4f9c2e7a';
const BASIC_CREDENTIALS = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
const API_URL = `http://localhost:${E2E.devRelayApiPort}/2.0`;
// The app's variables in this process: inherited from global setup's demo server, and set by the
// servers started here. A user's shell has none of them; the tests start without them too.
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
let envDir: string;

/** A folder with the `.env` a user would write: Key, Secret, and here the simulator's URLs. */
function writeEnvFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dev-relay-env-'));
  const authorize = simulator.authorizeUrl;
  writeFileSync(
    join(folder, '.env'),
    [
      `BITBUCKET_CLIENT_ID=${CLIENT_ID}`,
      `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`,
      `BITBUCKET_AUTHORIZE_URL=${authorize}`,
      `BITBUCKET_TOKEN_URL=${simulator.tokenUrl}`,
      `VITE_BITBUCKET_API_URL=${API_URL}`,
      '',
    ].join('\n'),
  );
  return folder;
}

test.beforeAll(async () => {
  clearAppVariables();
  // Bitbucket Cloud as it behaves today: no implicit grant, so the sign-in can only work through the relay.
  simulator = await startSimulator({
    bitbucketToday: true,
    authPort: E2E.devRelayAuthPort,
    apiPort: E2E.devRelayApiPort,
    clients: [{ clientId: CLIENT_ID, name: 'Bitbucket starter (dev relay)', callbackUrl: `${APP}/relay/callback`, secret: CLIENT_SECRET }],
  });
  envDir = writeEnvFile();
});

test.afterAll(async () => {
  await simulator.close();
  rmSync(envDir, { recursive: true, force: true });
  clearAppVariables();
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined) process.env[key] = value;
});

test.describe('npm start with BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET in .env', () => {
  let server: ViteDevServer;

  test.beforeAll(async () => {
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
    clearAppVariables();
  });

  test.beforeEach(() => simulator.clearRequests());

  test('signs in through the relay on the same origin and lists the repositories', async ({ page }) => {
    const redirects: string[] = [];
    page.on('response', (response) => {
      const location = response.headers()['location'];
      if (location !== undefined) redirects.push(new URL(location, response.url()).href);
    });

    await page.goto(`${APP}/`);
    await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
    await expect(page.getByRole('button', { name: 'Grant access' })).toBeVisible();
    const consent = new URL(page.url());
    expect(`${consent.origin}${consent.pathname}`).toBe(simulator.authorizeUrl);
    expect(consent.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(consent.searchParams.get('response_type')).toBe('code');
    expect(redirects[0]).toMatch(new RegExp(`^${simulator.authorizeUrl}\\?`));

    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.waitForURL(`${APP}/`);
    await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
    await expect(page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').first()).toBeVisible();

    // The way back: Bitbucket → this origin's /relay/callback → this origin's app callback.
    expect(redirects.some((url) => url.startsWith(`${APP}/relay/callback?code=`))).toBe(true);
    expect(redirects.some((url) => url.startsWith(`${APP}/oauth-callback#access_token=`))).toBe(true);
    // The relay, not the browser, redeemed the code, with the consumer's credentials.
    const tokenRequests = simulator.requests().filter((request) => request.method === 'POST' && request.url === simulator.tokenUrl);
    expect(tokenRequests.map((request) => request.status)).toEqual([200]);
    // The simulator logs the credentials as a fingerprint only (docs/simulator.md, Request log).
    expect(tokenRequests[0]?.headers['authorization']).toBe(`Basic ${fingerprint(BASIC_CREDENTIALS)}`);
    expect(tokenRequests[0]?.headers['origin']).toBeUndefined();
    // The API calls went to VITE_BITBUCKET_API_URL.
    expect(simulator.requests().some((request) => request.server === 'api' && request.url.startsWith(`${API_URL}/repositories/`))).toBe(
      true,
    );
  });

  test('the client secret is in no response the browser receives', async ({ page }) => {
    const received: { url: string; text: string }[] = [];
    const reading: Promise<void>[] = [];
    page.on('response', (response) => reading.push(record(response, received)));

    await page.goto(`${APP}/`);
    await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.waitForURL(`${APP}/`);
    await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
    // What a curious visitor might ask the dev server for.
    for (const path of [
      '/.env',
      `/@fs${join(envDir, '.env')}`,
      '/relay/',
      '/relay/healthcheck',
      '/vite.config.ts',
      '/relay/dev-server.ts',
    ]) {
      await page.goto(`${APP}${path}`);
    }
    await Promise.all(reading);

    // The check sees what the browser saw: the HTML, Vite's modules (with the client id the relay
    // set for the app), the relay's redirects, the simulator's pages and API answers.
    const urls = received.map((item) => item.url);
    expect(urls).toContain(`${APP}/`);
    expect(urls.some((url) => url.startsWith(`${APP}/relay/authorize?`))).toBe(true);
    expect(urls.some((url) => url.startsWith(`${API_URL}/`))).toBe(true);
    expect(received.some((item) => item.url.startsWith(`${APP}/src/`) && item.text.includes(CLIENT_ID))).toBe(true);
    for (const { url, text } of received) {
      expect(text, url).not.toContain(CLIENT_SECRET);
      expect(text, url).not.toContain(BASIC_CREDENTIALS);
    }
  });
});

test('the client secret is in nothing `npm run build` writes', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'dev-relay-build-'));
  try {
    // What `npm run build` runs (vite build, vite.config.ts), reading the same .env.
    await build({ configFile: resolve('vite.config.ts'), envDir, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const files = listFiles(outDir);
    expect(files.length).toBeGreaterThan(3);
    const contents = files.map((file) => ({ file, text: readFileSync(file, 'latin1') }));
    // The scan reads what the build took from that .env: the API URL is compiled in.
    expect(contents.some(({ text }) => text.includes(API_URL))).toBe(true);
    for (const { file, text } of contents) {
      expect(text, file).not.toContain(CLIENT_SECRET);
      expect(text, file).not.toContain(BASIC_CREDENTIALS);
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    clearAppVariables();
  }
});

test('a half-configured .env stops the dev server with a message that names the variable', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'dev-relay-half-'));
  writeFileSync(join(folder, '.env'), `BITBUCKET_CLIENT_ID=${CLIENT_ID}\n`);
  try {
    await expect(
      createServer({ configFile: resolve('vite.config.ts'), envDir: folder, logLevel: 'silent', server: { port: 0 } }),
    ).rejects.toThrow('BITBUCKET_CLIENT_SECRET is not set, but BITBUCKET_CLIENT_ID is');
  } finally {
    rmSync(folder, { recursive: true, force: true });
    clearAppVariables();
  }
});

/** Everything of one response the browser could read: status line, every header, the body. */
async function record(response: PlaywrightResponse, into: { url: string; text: string }[]): Promise<void> {
  const headers = await response.headersArray();
  let body = '';
  // Redirects have no body to read; every other answer does.
  if (response.status() < 300 || response.status() >= 400) body = (await response.body().catch(() => Buffer.alloc(0))).toString('latin1');
  into.push({ url: response.url(), text: [response.url(), ...headers.map(({ name, value }) => `${name}: ${value}`), body].join('\n') });
}

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
