/**
 * The authorization request: where the browser goes to sign in, with a fresh one-time `state`.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-4.2.1 (RFC 6749 §4.2.1)
 */
import { randomString, type RandomFill } from './random.js';
import { isLoopback, sameOriginPath } from './return-path.js';
import type { SessionStore } from './session.js';

/** Why a sign-in could not start. */
export type SignInErrorCode =
  /** No OAuth consumer Key was configured (`clientId` is empty). */
  | 'NOT_CONFIGURED'
  /** The page is plain http on a host that is not this machine: the token would travel in clear. */
  | 'INSECURE_ORIGIN'
  /** `redirectUri` is on another origin than the page: the callback could not find this sign-in. */
  | 'REDIRECT_URI_ORIGIN'
  /** An API token outside this machine, or without an email or token. */
  | 'API_TOKEN_REFUSED';

/** A sign-in that could not start; `code` says why. */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(readonly code: SignInErrorCode) {
    super(code);
  }
}

/** The page a sign-in starts from (the browser's `location`, or a fake in tests). */
export type PageLocation = Pick<Location, 'origin' | 'protocol' | 'hostname' | 'pathname' | 'search' | 'hash'>;

/** Builds the authorize URL of the implicit grant (`response_type=token`). */
export function buildAuthorizeUrl(options: { authorizeUrl: string; clientId: string; redirectUri: string; state: string }): URL {
  const url = new URL(options.authorizeUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  return url;
}

/** The home of an app whose callback is `redirectUri`: its folder (`/` for `/oauth-callback`). */
export const homeOf = (redirectUri: string): string => new URL('.', redirectUri).pathname;

/**
 * Starts a sign-in: makes a one-time `state`, stores it with the same-origin path to come back to
 * (`returnTo`, by default the page itself), and returns the authorize URL to send the browser to.
 * Throws a {@link SignInError} for plain http anywhere but this machine, or a misconfiguration.
 */
export function startSignIn(options: {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  returnTo?: string | undefined;
  page: PageLocation;
  session: SessionStore;
  random: RandomFill;
  now: () => number;
}): URL {
  const { page } = options;
  if (!options.clientId) throw new SignInError('NOT_CONFIGURED');
  if (page.protocol !== 'https:' && !isLoopback(page.hostname)) throw new SignInError('INSECURE_ORIGIN');
  if (new URL(options.redirectUri).origin !== page.origin) throw new SignInError('REDIRECT_URI_ORIGIN');

  const state = randomString(options.random);
  const returnTo = sameOriginPath(
    options.returnTo ?? `${page.pathname}${page.search}${page.hash}`,
    page.origin,
    homeOf(options.redirectUri),
  );
  options.session.savePending({ state, returnTo, createdAt: options.now() });
  return buildAuthorizeUrl({ ...options, state });
}
