/**
 * The nonce cookie that binds a relay state to the browser that started the sign-in: a state
 * copied into another browser (or replayed after the cookie is cleared) then fails at /callback.
 */
import { bytesToBase64Url, utf8Bytes } from './encoding.ts';

/** Cookie attributes that depend on whether the relay is reached over https. */
export interface NonceCookieOptions {
  /** True when the relay runs on https: adds `Secure` and the `__Host-` name prefix. */
  readonly secure: boolean;
}

/**
 * The cookie's name. `__Host-` makes browsers refuse it unless it is Secure, has Path=/ and no
 * Domain, so a sibling subdomain cannot plant its own nonce; browsers reject it on http, hence two names.
 */
export function nonceCookieName(options: NonceCookieOptions): string {
  return options.secure ? '__Host-relay-nonce' : 'relay-nonce';
}

/** The `Set-Cookie` value that stores `nonce` for `maxAgeSeconds`. */
export function setNonceCookie(nonce: string, maxAgeSeconds: number, options: NonceCookieOptions): string {
  // SameSite=Lax still sends the cookie on the top-level GET from Bitbucket back to /callback.
  return `${nonceCookieName(options)}=${nonce}; Max-Age=${maxAgeSeconds}; ${attributes(options)}`;
}

/** The `Set-Cookie` value that removes the cookie; the attributes must match the ones it was set with. */
export function clearNonceCookie(options: NonceCookieOptions): string {
  return `${nonceCookieName(options)}=; Max-Age=0; ${attributes(options)}`;
}

/** Reads one cookie from a `Cookie` request header; the first one wins, as RFC 6265 orders them. */
export function readCookie(cookieHeader: string | null, name: string): string | undefined {
  if (cookieHeader === null) return undefined;
  for (const pair of cookieHeader.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1) continue;
    if (pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/** SHA-256 of the nonce, base64url: what the signed state carries instead of the nonce itself. */
export async function hashNonce(nonce: string): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8Bytes(nonce))));
}

/**
 * Whether the request's nonce cookie is the one whose hash a state carries: nothing when it is,
 * otherwise why not (no cookie, or an empty one; or another sign-in's nonce).
 */
export async function checkNonce(
  cookieHeader: string | null,
  options: NonceCookieOptions,
  nonceHash: string,
): Promise<'NONCE_MISSING' | 'NONCE_MISMATCH' | undefined> {
  const nonce = readCookie(cookieHeader, nonceCookieName(options));
  if (nonce === undefined || nonce === '') return 'NONCE_MISSING';
  return timingSafeEqual(await hashNonce(nonce), nonceHash) ? undefined : 'NONCE_MISMATCH';
}

/** Compares two strings in time that depends only on their length, not on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  // `!==`, not `<`: a step past the end would read NaN ^ NaN = 0, so `<=` could never be told from `<`.
  for (let i = 0; i !== a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function attributes(options: NonceCookieOptions): string {
  return `Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
}
