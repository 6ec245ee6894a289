// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createEdgeWorker, edgeRelayConfig, relayPath } from '../../edge/edge-worker.ts';
import type { EdgeEnv } from '../../edge/edge-worker.ts';
import worker from '../../edge/worker.ts';
import { PAGE_CSP } from '../../relay/responses.ts';
import { COMMON_HEADERS } from '../../scripts/security-headers.ts';
import { APP_STATE, CLIENT_ID, CLIENT_SECRET, RELAY_SECRET } from '../relay/support.ts';

const ORIGIN = 'https://app.example.com';

/** Static assets that answer every request with a marker, and keep what they were asked. */
function fakeAssets() {
  const asked: string[] = [];
  return {
    asked,
    binding: {
      fetch: (request: Request) => {
        asked.push(request.url);
        return Promise.resolve(new Response('from the assets', { status: 200, headers: { 'x-from': 'assets' } }));
      },
    },
  };
}

function testEdge(variables: Record<string, unknown> = {}) {
  const info: string[] = [];
  const errors: string[] = [];
  const assets = fakeAssets();
  const env: EdgeEnv = {
    ASSETS: assets.binding,
    BITBUCKET_CLIENT_ID: CLIENT_ID,
    BITBUCKET_CLIENT_SECRET: CLIENT_SECRET,
    RELAY_SECRET,
    RELAY_PUBLIC_URL: ORIGIN,
    ...variables,
  };
  const edge = createEdgeWorker({ info: (line) => info.push(line), error: (line) => errors.push(line) });
  return { fetch: (path: string) => edge.fetch(new Request(`${ORIGIN}${path}`), env), env, info, errors, asked: assets.asked };
}

describe('the edge Worker: the app and the relay on one origin', () => {
  it('exports the module-syntax handler Cloudflare expects, and nothing else', async () => {
    expect(typeof worker.fetch).toBe('function');
    // workerd takes every export of the entry module for an entry point: a constant there stops it.
    expect(Object.keys(await import('../../edge/worker.ts'))).toEqual(['default']);
  });

  it('knows the relay by its path: below /relay/ only', () => {
    expect(relayPath('/relay/authorize')).toBe('/authorize');
    expect(relayPath('/relay/')).toBe('/');
    expect(relayPath('/relay')).toBeUndefined();
    expect(relayPath('/relayx/authorize')).toBeUndefined();
    expect(relayPath('/')).toBeUndefined();
    expect(relayPath('/oauth-callback')).toBeUndefined();
  });

  it('hands every other path to the static assets, untouched', async () => {
    const edge = testEdge();
    for (const path of ['/', '/oauth-callback', '/no-such-page', '/relay']) {
      const response = await edge.fetch(path);
      expect(await response.text()).toBe('from the assets');
      // The assets' answer as it is: `_headers` gave it its headers already.
      expect(response.headers.get('referrer-policy')).toBeNull();
    }
    expect(edge.asked).toEqual([`${ORIGIN}/`, `${ORIGIN}/oauth-callback`, `${ORIGIN}/no-such-page`, `${ORIGIN}/relay`]);
  });

  it('signs in through the relay at /relay/authorize, with the app’s own callback allowed and /relay/callback sent to Bitbucket', async () => {
    const edge = testEdge();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: `${ORIGIN}/oauth-callback` });
    const response = await edge.fetch(`/relay/authorize?${query}`);
    expect(response.status).toBe(302);
    const bitbucket = new URL(response.headers.get('location') ?? '');
    expect(`${bitbucket.origin}${bitbucket.pathname}`).toBe('https://bitbucket.org/site/oauth2/authorize');
    expect(bitbucket.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/relay/callback`);
    expect(bitbucket.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-relay-nonce=.*; Secure$/);
    expect(edge.asked).toEqual([]);
    expect(edge.errors).toEqual([]);
  });

  it('keeps the relay on its own origin whatever the path: /relay//elsewhere/authorize is no route, not another host', async () => {
    const edge = testEdge();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: `${ORIGIN}/oauth-callback` });
    const response = await edge.fetch(`/relay//elsewhere.example/authorize?${query}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('location')).toBeNull();
    expect(edge.asked).toEqual([]);
  });

  it('refuses a callback that is not the app’s own on its origin', async () => {
    const edge = testEdge();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: 'https://elsewhere.example/oauth-callback' });
    const response = await edge.fetch(`/relay/authorize?${query}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('REDIRECT_URI_NOT_ALLOWED');
  });

  it('keeps RELAY_ALLOWED_CALLBACKS when set', () => {
    const result = edgeRelayConfig({ ...testEdge().env, RELAY_ALLOWED_CALLBACKS: `${ORIGIN}/starter/oauth-callback` });
    expect(result.ok && result.config.allowedCallbacks).toEqual([`${ORIGIN}/starter/oauth-callback`]);
  });

  it('gives the relay’s answers the site’s headers, under the relay’s own', async () => {
    const edge = testEdge();
    for (const path of ['/relay/healthcheck', '/relay/no-such-route', '/relay/callback']) {
      const response = await edge.fetch(path);
      for (const [name, value] of Object.entries(COMMON_HEADERS)) expect(response.headers.get(name), `${path} ${name}`).toBe(value);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const page = await edge.fetch('/relay/no-such-route');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    const health = await edge.fetch('/relay/healthcheck');
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('answers 500 without RELAY_PUBLIC_URL, and logs names, never values', async () => {
    const edge = testEdge({ RELAY_PUBLIC_URL: undefined });
    const response = await edge.fetch('/relay/healthcheck');
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('RELAY_MISCONFIGURED');
    expect(response.headers.get('strict-transport-security')).toBe(COMMON_HEADERS['Strict-Transport-Security']);
    expect(edge.errors).toEqual(['relay misconfigured: RELAY_PUBLIC_URL MISSING']);
  });

  it('names every variable that is wrong, and no value', async () => {
    const edge = testEdge({ BITBUCKET_CLIENT_SECRET: 42, RELAY_SECRET: RELAY_SECRET.slice(0, 12), RELAY_PUBLIC_URL: 'ftp://x' });
    expect((await edge.fetch('/relay/authorize')).status).toBe(500);
    expect(edge.errors).toEqual(['relay misconfigured: BITBUCKET_CLIENT_SECRET MISSING, RELAY_SECRET TOO_SHORT, RELAY_PUBLIC_URL BAD_URL']);
    expect(edge.errors.join()).not.toContain(RELAY_SECRET.slice(0, 12));
  });
});
