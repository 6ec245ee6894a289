/**
 * What the relay seals for Decap CMS's sign-in (relay/seal.ts, AES-256-GCM under keys of their
 * own): the OAuth state between Decap's /auth and /callback, and the `refresh_token` Decap keeps,
 * which holds Bitbucket's refresh token sealed, bound to the origin that received it and the
 * `site_id` Decap names, until an absolute end set at sign-in. The raw refresh token never reaches
 * the browser; a copy of the sealed one opens for no other origin or site, and for nobody after
 * that end, however often it was renewed.
 */
import { createSealer } from './seal.ts';
import type { OpenErrorCode } from './seal.ts';
import { DEFAULT_STATE_LIFETIME_MS, MAX_STATE_LENGTH } from './sealed-state.ts';

/** What Decap's sign-in carries from /auth to /callback: no redirect, since the answer goes by message. */
export interface DecapStateClaims {
  /** The `site_id` Decap sent to /auth: the sealed refresh token is bound to it. */
  readonly siteId: string;
  /** SHA-256 of the nonce in the browser's cookie, as for the app's sign-in. */
  readonly nonceHash: string;
}

/** Where a sealed refresh token was handed: the origin that received it, and Decap's `site_id`. */
export interface DecapAudience {
  readonly origin: string;
  readonly siteId: string;
}

/** The outcome of opening a Decap state. */
export type OpenDecapStateResult =
  { readonly ok: true; readonly claims: DecapStateClaims } | { readonly ok: false; readonly code: OpenErrorCode };

/** The outcome of opening a sealed refresh token: Bitbucket's refresh token and the sign-in's end (ms), or why not. */
export type OpenDecapRefreshResult =
  { readonly ok: true; readonly refreshToken: string; readonly expiresAt: number } | { readonly ok: false; readonly code: OpenErrorCode };

/** Seals and opens what Decap's sign-in hands the browser, with one secret and one clock. */
export interface DecapSeals {
  /** A state for /auth that expires like the app's (5 minutes). */
  sealState(claims: DecapStateClaims): Promise<string | undefined>;
  openState(state: string): Promise<OpenDecapStateResult>;
  /**
   * Bitbucket's refresh token, sealed for `audience` until `expiresAt` (ms): a sign-in's end,
   * `lifetimeSeconds` from the sign-in, kept as it is through every rotation. Undefined when too
   * long for a URL.
   */
  sealRefreshToken(refreshToken: string, audience: DecapAudience, expiresAt?: number): Promise<string | undefined>;
  /** Opens a sealed refresh token, for `audience` alone. */
  openRefreshToken(sealed: string, audience: DecapAudience): Promise<OpenDecapRefreshResult>;
}

/**
 * The longest sealed refresh token handed out or accepted: Decap puts it into a URL's query
 * unencoded, and into a form. A refresh token of Bitbucket's usual length seals to about 200
 * characters; one of the 1,024 the relay accepts from Bitbucket, to at most about 1,450, unless it
 * is made of characters JSON escapes.
 */
export const MAX_DECAP_REFRESH_LENGTH = 2048;

/** The name of the key for a refresh token handed to `audience`: its origin and site are part of the key and of the authenticated data. */
export function decapRefreshPurpose(audience: DecapAudience): `relay decap refresh v1 ${string}` {
  // JSON: neither part can run into the other, whatever characters they hold.
  return `relay decap refresh v1 ${JSON.stringify([audience.origin, audience.siteId])}`;
}

/** Creates Decap's seals for `secret`; a sign-in's sealed refresh tokens live `lifetimeSeconds` from the sign-in. */
export function createDecapSeals(
  secret: string,
  options: { readonly now: () => number; readonly randomBytes: (length: number) => Uint8Array; readonly lifetimeSeconds: number },
): DecapSeals {
  const states = createSealer(secret, 'relay decap state v1', { ...options, maxLength: MAX_STATE_LENGTH });
  // A key per audience: derived when needed (HKDF is cheap), so nothing is kept between requests.
  const refreshSealer = (audience: DecapAudience) =>
    createSealer(secret, decapRefreshPurpose(audience), { ...options, maxLength: MAX_DECAP_REFRESH_LENGTH });

  return {
    sealState: (claims) =>
      states.seal({ kind: 'decap', siteId: claims.siteId, nonceHash: claims.nonceHash }, options.now() + DEFAULT_STATE_LIFETIME_MS),

    async openState(state) {
      const opened = await states.open(state);
      if (!opened.ok) return opened;
      const { kind, siteId, nonceHash } = opened.value;
      // Only this relay can have sealed it; the shape is checked all the same, against our own format changes.
      if (kind !== 'decap' || typeof siteId !== 'string' || typeof nonceHash !== 'string') return { ok: false, code: 'MALFORMED' };
      return { ok: true, claims: { siteId, nonceHash } };
    },

    sealRefreshToken(refreshToken, audience, expiresAt = options.now() + options.lifetimeSeconds * 1000) {
      // The end goes inside too, so that the next seal keeps it: the seal's own expiry is not returned.
      return refreshSealer(audience).seal({ rt: refreshToken, end: expiresAt }, expiresAt);
    },

    async openRefreshToken(sealed, audience) {
      const opened = await refreshSealer(audience).open(sealed);
      if (!opened.ok) return opened;
      const { rt, end } = opened.value;
      if (typeof rt !== 'string' || rt === '' || typeof end !== 'number') return { ok: false, code: 'MALFORMED' };
      return { ok: true, refreshToken: rt, expiresAt: end };
    },
  };
}
