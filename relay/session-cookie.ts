/**
 * The session cookie: what makes the relay RFC 10017's token-mediating backend. It keeps the
 * refresh token (and the access token with its expiry) for the browser, sealed (relay/seal.ts)
 * so that the browser can neither read nor change it, and HttpOnly so that the app's JavaScript
 * never sees it. Only the relay's answers to `POST /token` hand out what it holds.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6265 (cookies)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis (SameSite, the __Host- prefix)
 */
import { readCookie } from './nonce-cookie.ts';
import { createSealer } from './seal.ts';
import type { OpenErrorCode } from './seal.ts';
import type { TokenLife } from './renewal-margin.ts';

/** The access token kept with the session, and its life for the renewal margin. */
export interface KeptAccessToken extends TokenLife {
  readonly token: string;
}

/** What one browser's session holds. */
export interface Session {
  /** Bitbucket's refresh token: the session itself. It never leaves the relay unsealed. */
  readonly refreshToken: string;
  /** The scopes Bitbucket granted, when it said. */
  readonly scope?: string;
  /** The access token last issued, when it fits into the cookie with the refresh token. */
  readonly accessToken?: KeptAccessToken;
}

/** Cookie attributes that depend on the relay's public origin. */
export interface SessionCookieOptions {
  /** True when the relay's public origin is https: the `__Host-` prefix is possible (and used). */
  readonly hostPrefix: boolean;
}

/** What the browser sent: no session, one that does not open (and why), or the session. */
export type ReadSessionResult =
  | { readonly status: 'none' }
  | { readonly status: 'refused'; readonly code: OpenErrorCode }
  | { readonly status: 'session'; readonly session: Session };

/** Reads and writes session cookies under one key, clock and lifetime. */
export interface SessionCookies {
  /**
   * The `Set-Cookie` value that stores `session`. The access token is left out when the two tokens
   * do not fit into {@link MAX_SET_COOKIE_LENGTH} together; undefined when the refresh token alone
   * does not fit either.
   */
  set(session: Session, options: SessionCookieOptions): Promise<string | undefined>;
  /** The `Set-Cookie` value that removes the cookie (the same name and attributes it was set with). */
  clear(options: SessionCookieOptions): string;
  /** Reads the session from a `Cookie` request header. */
  read(cookieHeader: string | null, options: SessionCookieOptions): Promise<ReadSessionResult>;
}

/** Longest `Set-Cookie` value written: browsers keep at least 4096 bytes of a cookie's name and value. */
export const MAX_SET_COOKIE_LENGTH = 4000;

/**
 * The cookie's name. `__Host-` makes browsers refuse it unless it is Secure, has Path=/ and no
 * Domain, so a sibling subdomain cannot plant or overwrite it; browsers accept the prefix only from
 * https, hence a plain name on http://localhost.
 */
export function sessionCookieName(options: SessionCookieOptions): string {
  return options.hostPrefix ? '__Host-relay-session' : 'relay-session';
}

/** Creates the session cookies for `secret`; each one lives `lifetimeSeconds` from when it is set. */
export function createSessionCookies(
  secret: string,
  options: { readonly now: () => number; readonly randomBytes: (length: number) => Uint8Array; readonly lifetimeSeconds: number },
): SessionCookies {
  const sealer = createSealer(secret, 'relay session v1', { ...options, maxLength: MAX_SET_COOKIE_LENGTH });
  const cookieLine = (value: string, maxAge: number, cookie: SessionCookieOptions) =>
    // Secure even on http://localhost, which browsers treat as a secure context; SameSite=Strict:
    // only requests that the relay's own site starts carry it (RFC 10017).
    `${sessionCookieName(cookie)}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; Secure; SameSite=Strict`;

  async function sealedLine(session: Session, cookie: SessionCookieOptions): Promise<string | undefined> {
    const expiresAt = options.now() + options.lifetimeSeconds * 1000;
    const sealed = await sealer.seal(flatten(session), expiresAt);
    if (sealed === undefined) return undefined;
    const line = cookieLine(sealed, options.lifetimeSeconds, cookie);
    return line.length > MAX_SET_COOKIE_LENGTH ? undefined : line;
  }

  return {
    async set(session, cookie) {
      const whole = await sealedLine(session, cookie);
      if (whole !== undefined) return whole;
      // Too long with both tokens: the refresh token alone still makes a session (each /token then refreshes).
      const { accessToken: _dropped, ...refreshOnly } = session;
      return sealedLine(refreshOnly, cookie);
    },

    clear: (cookie) => cookieLine('', 0, cookie),

    async read(cookieHeader, cookie) {
      const value = readCookie(cookieHeader, sessionCookieName(cookie));
      if (value === undefined || value === '') return { status: 'none' };
      const opened = await sealer.open(value);
      if (!opened.ok) return { status: 'refused', code: opened.code };
      const session = unflatten(opened.value);
      return session === undefined ? { status: 'refused', code: 'MALFORMED' } : { status: 'session', session };
    },
  };
}

// The sealed JSON, flat and with short names: every byte counts against the cookie's 4 kB.
// JSON leaves out what is undefined.
function flatten(session: Session): Record<string, unknown> {
  const { refreshToken, scope, accessToken } = session;
  return { rt: refreshToken, sc: scope, at: accessToken?.token, ae: accessToken?.expiresAt, al: accessToken?.lifetimeSeconds };
}

// Only this relay can have sealed it; the shape is checked all the same, against our own format changes.
function unflatten(value: Readonly<Record<string, unknown>>): Session | undefined {
  const { rt, sc, at, ae, al } = value;
  if (typeof rt !== 'string' || rt === '' || (sc !== undefined && typeof sc !== 'string')) return undefined;
  const scope = sc === undefined ? {} : { scope: sc };
  if (at === undefined) return { refreshToken: rt, ...scope };
  if (typeof at !== 'string' || typeof ae !== 'number' || typeof al !== 'number' || !Number.isFinite(ae) || !(al > 0)) return undefined;
  return { refreshToken: rt, ...scope, accessToken: { token: at, expiresAt: ae, lifetimeSeconds: al } };
}
