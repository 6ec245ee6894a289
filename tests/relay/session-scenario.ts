/**
 * The session endpoints end to end, against the Bitbucket simulator (as Bitbucket today: rotating
 * refresh tokens), the same for each way the relay runs: the Node server, the dev server's
 * `/relay/*` and the Worker on workerd. The relay's consumer must be registered with `sim`.
 */
import { expect } from 'vitest';
import { createCookieClient, signInThroughRelay } from '../../scripts/relay-client.ts';
import type { Simulator } from '../../sim/index.ts';
import { cookiePair } from './support.ts';

/** Where the relay under test is, and the app it serves. */
export interface SessionTarget {
  readonly sim: Simulator;
  /** Where its routes are: `<relay>` or `<dev server>/relay`. */
  readonly relayBase: string;
  /** The app's origin: its callback is `<appOrigin>/oauth-callback`, one of the relay's allowed ones. */
  readonly appOrigin: string;
  /**
   * False in the dev server, where Vite's own CORS middleware answers every preflight before the
   * relay sees it (the app there is same-origin and never sends one).
   */
  readonly answersPreflights?: boolean;
}

const CLEARED = 'relay-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict';

/** POST to a session endpoint as the app does; `cookie` is the `name=value` to send. */
function post(target: SessionTarget, path: string, cookie: string, headers: Record<string, string> = {}, method = 'POST') {
  return fetch(`${target.relayBase}${path}`, {
    method,
    headers: { origin: target.appOrigin, 'x-bitbucket-relay': '1', cookie, ...headers },
    redirect: 'manual',
  });
}

/** Signs in through the relay; returns the token the fragment carried and the session cookie's pair. */
async function signIn(target: SessionTarget): Promise<{ token: string; cookie: string }> {
  const client = createCookieClient();
  const toApp = await signInThroughRelay(client, {
    relayBase: target.relayBase,
    appCallback: `${target.appOrigin}/oauth-callback`,
    appState: 'scenario-state',
  });
  const fragment = new URLSearchParams(new URL(toApp.headers.get('location') ?? '').hash.slice(1));
  const cookie = client.cookieHeader(new URL(target.relayBase).origin);
  expect(cookie).toMatch(/^relay-session=s1\.[\w-]+$/);
  return { token: fragment.get('access_token') ?? '', cookie };
}

async function tokenOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Record<string, unknown>;
}

/** Checks POST /token and POST /sign-out through `target`, with real tokens from the simulator. */
export async function checkSessionEndpoints(target: SessionTarget): Promise<void> {
  const { sim } = target;
  const apiUser = (token: unknown) => fetch(`${sim.apiBase}/user`, { headers: { authorization: `Bearer ${String(token)}` } });
  try {
    // Bitbucket's hour-long tokens: the kept one comes back, and Bitbucket is not asked.
    sim.configure({ tokenLifetimeSeconds: 3600 });
    const hour = await signIn(target);
    sim.clearRequests();
    const kept = await post(target, '/token', hour.cookie);
    expect(kept.status).toBe(200);
    const keptBody = await tokenOf(kept);
    expect(keptBody).toMatchObject({ access_token: hour.token, token_type: 'bearer', scope: 'account repository' });
    expect(keptBody.expires_in).toBeGreaterThan(3500);
    expect(kept.headers.getSetCookie()).toEqual([]);
    expect(kept.headers.get('access-control-allow-origin')).toBe(target.appOrigin);
    expect(sim.requests().filter((request) => request.url.endsWith('/access_token'))).toEqual([]);

    // Five-second tokens, inside the margin from the start: every request is a refresh, and rotates.
    sim.configure({ tokenLifetimeSeconds: 5 });
    const first = await signIn(target);
    const renewed = await post(target, '/token', first.cookie);
    expect(renewed.status).toBe(200);
    const renewedBody = await tokenOf(renewed);
    expect(renewedBody).toMatchObject({ token_type: 'bearer', expires_in: 5 });
    expect(renewedBody.access_token).not.toBe(first.token);
    expect((await apiUser(renewedBody.access_token)).status).toBe(200);
    const second = cookiePair(renewed.headers.getSetCookie()[0]);
    expect(second).toMatch(/^relay-session=s1\./);
    expect(second).not.toBe(first.cookie);

    // The cookie before the rotation: Bitbucket refuses its refresh token; the session it held is over.
    const stale = await post(target, '/token', first.cookie);
    expect(stale.status).toBe(401);
    expect((await tokenOf(stale)).error).toBe('invalid_grant');
    expect(stale.headers.getSetCookie()).toEqual([CLEARED]);

    // Refusals change nothing: no cookie, and the session still works afterwards.
    for (const [headers, method, status] of [
      [{ origin: 'https://evil.example' }, 'POST', 403],
      [{ 'x-bitbucket-relay': '' }, 'POST', 403],
      [{}, 'GET', 405],
    ] as const) {
      const refused = await post(target, '/token', second, headers, method);
      expect(refused.status).toBe(status);
      expect(refused.headers.getSetCookie()).toEqual([]);
      expect(await refused.text()).not.toContain('access_token');
    }
    if (target.answersPreflights !== false) {
      const preflight = await fetch(`${target.relayBase}/token`, {
        method: 'OPTIONS',
        headers: {
          origin: target.appOrigin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-bitbucket-relay',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(target.appOrigin);
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    }
    // Whoever answers it, a foreign page's preflight gets no permission: the browser then sends nothing.
    const foreignPreflight = await fetch(`${target.relayBase}/token`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-bitbucket-relay',
      },
    });
    expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreignPreflight.headers.get('access-control-allow-credentials')).toBeNull();

    // A changed cookie: 401, cleared, Bitbucket not asked.
    sim.clearRequests();
    const tampered = await post(target, '/token', `${second.slice(0, -6)}AAAAAA`);
    expect(tampered.status).toBe(401);
    expect((await tokenOf(tampered)).error).toBe('invalid_session');
    expect(tampered.headers.getSetCookie()).toEqual([CLEARED]);
    expect(sim.requests().filter((request) => request.url.endsWith('/access_token'))).toEqual([]);

    // The session after all that still renews.
    const third = await post(target, '/token', second);
    expect(third.status).toBe(200);
    const current = cookiePair(third.headers.getSetCookie()[0]);

    // Sign-out spends the refresh token, then clears: a copy of the cookie taken before can no longer renew.
    const signOut = await post(target, '/sign-out', current);
    expect(signOut.status).toBe(204);
    expect(signOut.headers.getSetCookie()).toEqual([CLEARED]);
    const afterSignOut = await post(target, '/token', current);
    expect(afterSignOut.status).toBe(401);
    expect((await tokenOf(afterSignOut)).error).toBe('invalid_grant');

    // No session cookie at all: the 401 says why.
    const none = await post(target, '/token', '');
    expect(none.status).toBe(401);
    expect((await tokenOf(none)).error).toBe('no_session');
  } finally {
    sim.configure({ tokenLifetimeSeconds: 3600 });
  }
}
