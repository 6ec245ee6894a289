/**
 * Decap CMS's sign-in and refresh end to end, against the Bitbucket simulator (as Bitbucket today:
 * rotating refresh tokens), driven over HTTP as Decap's popup and its refresh `fetch` drive it: the
 * same for each way the relay runs (the Node server, the Worker on workerd). The relay's consumer
 * must be registered with `sim`, and `decapOrigin` be on its RELAY_ALLOWED_ORIGINS.
 */
import { expect } from 'vitest';
import { createCookieClient, submitConsent } from '../../scripts/relay-client.ts';
import type { Simulator } from '../../sim/index.ts';
import { handshakeData, messageFor, payloadOf } from './decap-support.ts';

/** Where the relay under test is, and the Decap site it serves. */
export interface DecapTarget {
  readonly sim: Simulator;
  readonly relay: string;
  readonly decapOrigin: string;
}

const SITE_ID = 'demo.decapcms.org';

/** Decap's popup: /auth, the consent page, "Grant access" (or "Cancel"), /callback; the page's data. */
export async function decapSignIn(target: DecapTarget, button: 'Grant access' | 'Cancel' = 'Grant access') {
  const client = createCookieClient();
  const auth = await client.get(`${target.relay}/auth?provider=bitbucket&site_id=${SITE_ID}&scope=repo`);
  expect(auth.status).toBe(302);
  const consentUrl = auth.headers.get('location') ?? '';
  const consent = await client.get(consentUrl);
  const { action, form } = submitConsent(await consent.text(), consentUrl, button);
  const back = await client.post(action, form);
  const callbackUrl = back.headers.get('location') ?? '';
  expect(callbackUrl.startsWith(`${target.relay}/callback?`)).toBe(true);
  const page = await client.get(callbackUrl);
  const html = await page.text();
  return { page, html, data: handshakeData(html) };
}

/** A refresh as Decap's `fetch` sends it: POST, the form body, its site's Origin (a browser sets it). */
export function refreshAsDecap(target: DecapTarget, sealed: string, origin = target.decapOrigin): Promise<Response> {
  return fetch(`${target.relay}/auth/refresh?provider=bitbucket&site_id=${SITE_ID}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ refresh_token: sealed }).toString(),
  });
}

/** Checks the whole protocol through `target`, with real tokens from the simulator. */
export async function checkDecapProtocol(target: DecapTarget): Promise<void> {
  const { sim } = target;
  const apiUser = (token: unknown) => fetch(`${sim.apiBase}/user`, { headers: { authorization: `Bearer ${String(token)}` } });

  const usedTwice = sim.refreshTokensUsedTwice().length;
  const { page, data } = await decapSignIn(target);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[\w+/]+={0,2}';/);
  expect(page.headers.get('cross-origin-opener-policy')).toBeNull();
  const success = payloadOf(messageFor(data, target.decapOrigin), 'success');
  expect((await apiUser(success['token'])).status).toBe(200);

  // The refresh Decap makes: a new token that works, a new sealed value; the old one is spent.
  const first = await refreshAsDecap(target, success['refresh_token'] as string);
  expect(first.status).toBe(200);
  expect(first.headers.get('access-control-allow-origin')).toBe(target.decapOrigin);
  const renewed = (await first.json()) as { token: string; refresh_token: string };
  expect(renewed.token).not.toBe(success['token']);
  expect((await apiUser(renewed.token)).status).toBe(200);
  const replay = await refreshAsDecap(target, success['refresh_token'] as string);
  expect(replay.status).toBe(400);
  expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  expect(sim.refreshTokensUsedTwice()).toHaveLength(usedTwice + 1);

  // From another origin: refused, and Bitbucket is not asked.
  const before = sim.requests().length;
  const foreign = await refreshAsDecap(target, renewed.refresh_token, 'https://evil.example');
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  expect(sim.requests()).toHaveLength(before);
  expect((await refreshAsDecap(target, renewed.refresh_token)).status).toBe(200);

  // Cancelled on the consent page: Decap hears of the error, and gets no token.
  const cancelled = await decapSignIn(target, 'Cancel');
  expect(payloadOf(messageFor(cancelled.data, target.decapOrigin), 'error')).toMatchObject({
    provider: 'bitbucket',
    error: 'access_denied',
  });
}
