// @vitest-environment node
/**
 * The relay's Node server against the Bitbucket simulator, driven as a browser would be
 * (scripts/relay-client.ts): fetch with manual redirects, a small cookie jar, and the simulator's
 * consent form submitted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { createCookieClient, submitConsent } from '../../scripts/relay-client.ts';
import type { CookieClient } from '../../scripts/relay-client.ts';
import { startSimulator } from '../../sim/index.ts';
import type { SimClient, Simulator } from '../../sim/index.ts';
import { checkSessionEndpoints } from './session-scenario.ts';
import { APP_CALLBACK, APP_STATE, CLIENT_SECRET, RELAY_SECRET, fragmentOf, targetOf, testConfig } from './support.ts';

let sim: Simulator;
const clients: SimClient[] = [];
const relays: RelayServer[] = [];
const relayLogs: string[] = [];

/** Starts a relay against the simulator and registers it there as OAuth consumer `clientId`. */
async function startRelay(clientId: string, env: Record<string, string> = {}, port = 0): Promise<RelayServer> {
  const config = testConfig({
    BITBUCKET_CLIENT_ID: clientId,
    BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl,
    BITBUCKET_TOKEN_URL: sim.tokenUrl,
    ...env,
  });
  const relay = await startRelayServer(config, port, { log: (line) => relayLogs.push(line) });
  relays.push(relay);
  // The consumer's callback URL is the relay's /callback, as docs/relay.md tells users to set it.
  clients.push({
    clientId,
    name: `Token relay (${clientId})`,
    callbackUrl: `${relay.url}/callback`,
    secret: CLIENT_SECRET,
  });
  sim.configure({ clients: [...clients] });
  return relay;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  // Bitbucket as it behaves today: 3600 s tokens, rotating refresh tokens, unauthorized_client.
  sim = await startSimulator({ seed: 1, bitbucketToday: true });
});

afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  await sim?.close();
});

type Browser = CookieClient;

/** The app's sign-in, through the relay to the simulator's consent page and back to the relay's /callback URL. */
async function reachRelayCallback(browser: Browser, relay: RelayServer, label: 'Grant access' | 'Cancel'): Promise<string> {
  const query = new URLSearchParams({
    client_id: 'the-apps-id',
    response_type: 'token',
    redirect_uri: APP_CALLBACK,
    state: APP_STATE,
  });
  const toBitbucket = await browser.get(`${relay.url}/authorize?${query}`);
  expect(toBitbucket.status).toBe(302);
  const consentUrl = toBitbucket.headers.get('location') ?? '';
  expect(consentUrl.startsWith(sim.authorizeUrl)).toBe(true);

  const consent = await browser.get(consentUrl);
  expect(consent.status).toBe(200);
  const { action, form } = submitConsent(await consent.text(), consentUrl, label);
  const decided = await browser.post(action, form);
  expect([302, 303]).toContain(decided.status);
  const callbackUrl = decided.headers.get('location') ?? '';
  expect(callbackUrl.startsWith(`${relay.url}/callback?`)).toBe(true);
  return callbackUrl;
}

describe('the relay with the Bitbucket simulator', () => {
  it('signs in: the app callback gets a token that works against the API', async () => {
    const relay = await startRelay('relay-happy');
    const browser = createCookieClient();
    const callbackUrl = await reachRelayCallback(browser, relay, 'Grant access');
    const toApp = await browser.get(callbackUrl);

    expect(toApp.status).toBe(302);
    expect(targetOf(toApp)).toBe(APP_CALLBACK);
    const fragment = fragmentOf(toApp);
    expect([...fragment.keys()].sort()).toEqual(['access_token', 'expires_in', 'scope', 'state', 'token_type']);
    expect(fragment.get('token_type')).toBe('bearer');
    expect(fragment.get('expires_in')).toBe('3600');
    expect(fragment.get('scope')).toBe('account repository');
    expect(fragment.get('state')).toBe(APP_STATE);
    // The nonce cookie is gone once the sign-in is over; the session cookie holds the refresh token, sealed.
    expect(browser.cookieHeader(relay.url)).toMatch(/^relay-session=s1\.[\w-]+$/);

    const user = await fetch(`${sim.apiBase}/user`, {
      headers: { authorization: `Bearer ${fragment.get('access_token')}` },
    });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ type: 'user' });
  });

  it('passes Cancel on as #error=access_denied', async () => {
    const relay = await startRelay('relay-cancel');
    const browser = createCookieClient();
    const toApp = await browser.get(await reachRelayCallback(browser, relay, 'Cancel'));
    expect(toApp.status).toBe(302);
    expect(targetOf(toApp)).toBe(APP_CALLBACK);
    expect(fragmentOf(toApp).get('error')).toBe('access_denied');
    expect(fragmentOf(toApp).get('state')).toBe(APP_STATE);
    expect(fragmentOf(toApp).has('access_token')).toBe(false);
  });

  it('reports a reused code as #error=invalid_grant (for a browser that kept the cookie)', async () => {
    const relay = await startRelay('relay-reuse');
    const browser = createCookieClient();
    const callbackUrl = await reachRelayCallback(browser, relay, 'Grant access');
    const keptCookie = browser.cookieHeader(relay.url);
    expect(fragmentOf(await browser.get(callbackUrl)).has('access_token')).toBe(true);

    const again = await fetch(callbackUrl, { headers: { cookie: keptCookie }, redirect: 'manual' });
    expect(again.status).toBe(302);
    expect(fragmentOf(again).get('error')).toBe('invalid_grant');
    expect(fragmentOf(again).get('state')).toBe(APP_STATE);
  });

  it('refuses the same callback URL replayed without the cookie: a 400 page, not a redirect', async () => {
    const relay = await startRelay('relay-replay');
    const browser = createCookieClient();
    const callbackUrl = await reachRelayCallback(browser, relay, 'Grant access');
    // Another browser (no cookie) opens the URL first.
    const stolen = await fetch(callbackUrl, { redirect: 'manual' });
    expect(stolen.status).toBe(400);
    expect(stolen.headers.get('location')).toBeNull();
    expect(await stolen.text()).toContain('NONCE_MISSING');
  });

  it('reports an expired code as #error=invalid_grant', async () => {
    const relay = await startRelay('relay-expired');
    const browser = createCookieClient();
    const callbackUrl = await reachRelayCallback(browser, relay, 'Grant access');
    sim.configure({ now: () => Date.now() + 5 * 60_000 });
    try {
      const toApp = await browser.get(callbackUrl);
      expect(fragmentOf(toApp).get('error')).toBe('invalid_grant');
    } finally {
      sim.configure({ now: () => Date.now() });
    }
  });

  it('reports a token endpoint that is down as #error=temporarily_unavailable', async () => {
    const relay = await startRelay('relay-down', {
      BITBUCKET_TOKEN_URL: `http://127.0.0.1:${await closedPort()}/site/oauth2/access_token`,
    });
    const browser = createCookieClient();
    const toApp = await browser.get(await reachRelayCallback(browser, relay, 'Grant access'));
    expect(toApp.status).toBe(302);
    expect(targetOf(toApp)).toBe(APP_CALLBACK);
    expect(fragmentOf(toApp).get('error')).toBe('temporarily_unavailable');
    expect(fragmentOf(toApp).get('state')).toBe(APP_STATE);
  });

  it('reports a wrong consumer secret as #error=server_error', async () => {
    const relay = await startRelay('relay-wrong-secret', { BITBUCKET_CLIENT_SECRET: 'not-the-secret' });
    const browser = createCookieClient();
    const toApp = await browser.get(await reachRelayCallback(browser, relay, 'Grant access'));
    expect(fragmentOf(toApp).get('error')).toBe('server_error');
    // The simulator answers today's unauthorized_client (400), and the relay knows it for what it is.
    expect(relayLogs).toContain('callback: token exchange failed (CLIENT_REJECTED)');
  });

  it('sends redirect_uri to both endpoints when RELAY_PUBLIC_URL is set, as Bitbucket then requires', async () => {
    const port = await closedPort();
    const relay = await startRelay('relay-public-url', { RELAY_PUBLIC_URL: `http://127.0.0.1:${port}` }, port);
    const browser = createCookieClient();
    const toApp = await browser.get(await reachRelayCallback(browser, relay, 'Grant access'));
    // The simulator, like Bitbucket, refuses a code whose token request lacks the same redirect_uri.
    expect(fragmentOf(toApp).has('access_token')).toBe(true);
    const authorize = sim.requests().filter((request) => request.url.includes('client_id=relay-public-url'));
    expect(new URL(authorize[0]?.url ?? '').searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
  });

  it('keeps the session: POST /token and POST /sign-out with real, rotating tokens', async () => {
    const relay = await startRelay('relay-sessions');
    await checkSessionEndpoints({ sim, relayBase: relay.url, appOrigin: new URL(APP_CALLBACK).origin });
  });

  it('logged no token, code, state or secret on the way', () => {
    // Sealed values (states, session cookies) start with s1.; no line holds one.
    const forbidden = [CLIENT_SECRET, RELAY_SECRET, APP_STATE, 'access_token', 'refresh_token', 'code=', 's1.'];
    expect(relayLogs.length).toBeGreaterThan(10);
    for (const line of relayLogs) {
      for (const text of forbidden) expect(line).not.toContain(text);
      // Request lines are "METHOD /path STATUS", never with a query.
      expect(line).not.toContain('?');
    }
  });
});
