/**
 * The authorization request: where the browser goes to sign in. Loaded on demand, when the user
 * presses "Sign in" (or "Reconnect"): nothing of it is needed before.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.2.1 (RFC 6749 §4.2.1)
 */
import { isLoopback } from './config.ts';
import { randomString, type RandomFill } from './random.ts';
import { sameOriginPath } from './return-path.ts';
import type { SessionStore } from './session.ts';

/** The callback URL for an app served at `origin` under Vite's `base` (`/`, `/starter/`: always with both slashes). */
export function callbackUrl(origin: string, base: string): string {
  return `${origin}${base}oauth-callback`;
}

/** Builds the authorize URL of the implicit grant (`response_type=token`). */
export function buildAuthorizeUrl(options: { authorizeUrl: URL; clientId: string; redirectUri: string; state: string }): URL {
  const url = new URL(options.authorizeUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  return url;
}

export type SignInResult = { ok: true; url: URL } | { ok: false; code: 'INSECURE_ORIGIN' | 'NOT_CONFIGURED' };

/**
 * Starts a sign-in: makes a one-time `state`, stores it with the path to come back to, and returns
 * the authorize URL to send the browser to. Refuses plain http anywhere but this machine.
 */
export function prepareSignIn(options: {
  authorizeUrl: URL;
  clientId: string;
  location: Pick<Location, 'origin' | 'protocol' | 'hostname' | 'pathname' | 'search'>;
  base: string;
  session: SessionStore;
  random: RandomFill;
  now: () => number;
}): SignInResult {
  const { location } = options;
  if (!options.clientId) return { ok: false, code: 'NOT_CONFIGURED' };
  if (location.protocol !== 'https:' && !isLoopback(location.hostname)) return { ok: false, code: 'INSECURE_ORIGIN' };

  const state = randomString(options.random);
  // Back to this very view after sign-in: the path with its filters.
  const returnTo = sameOriginPath(`${location.pathname}${location.search}`, location.origin, options.base);
  options.session.savePending({ state, returnTo, createdAt: options.now() });
  const redirectUri = callbackUrl(location.origin, options.base);
  return { ok: true, url: buildAuthorizeUrl({ authorizeUrl: options.authorizeUrl, clientId: options.clientId, redirectUri, state }) };
}
