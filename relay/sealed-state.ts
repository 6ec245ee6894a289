/**
 * The relay's own OAuth `state`: the app's state and callback, sealed (AES-GCM, a key of its own
 * derived from RELAY_SECRET: relay/seal.ts) with a short expiry, so the relay keeps nothing between
 * /authorize and /callback yet can trust what comes back. Sealed, not only signed: the state
 * travels in the authorize URL and the browser's history, and the app's own `state` in it must not
 * be readable there.
 */
import { createSealer } from './seal.ts';
import type { OpenErrorCode } from './seal.ts';

/** What the relay carries from /authorize to /callback inside its state. */
export interface StateClaims {
  /** The app's callback URL, already checked against the allow-list. */
  readonly redirectUri: string;
  /** The app's own `state`, handed back to the app untouched. */
  readonly appState: string;
  /** SHA-256 of the nonce in the browser's cookie (the hash, so the state never holds the cookie). */
  readonly nonceHash: string;
}

/** Why a state was refused; stable codes for logs and tests. */
export type StateErrorCode = OpenErrorCode;

/** The outcome of {@link StateSealer.open}. */
export type OpenStateResult = { readonly ok: true; readonly claims: StateClaims } | { readonly ok: false; readonly code: StateErrorCode };

/** Seals and opens relay states with one key and one clock. */
export interface StateSealer {
  /** Returns a state that expires `lifetimeMs` from now, or undefined when it would be too long for a URL. */
  seal(claims: StateClaims): Promise<string | undefined>;
  /** Checks the seal, then the expiry, then the shape. */
  open(state: string): Promise<OpenStateResult>;
}

/**
 * How long a user may take on Bitbucket's consent page (a login with two-step verification
 * included) before the state expires: short, since whoever reads a live state can try to finish
 * that sign-in (docs/security.md).
 */
export const DEFAULT_STATE_LIFETIME_MS = 5 * 60 * 1000;

/** Longest state handed out: the /callback URL carrying it must stay under the relay's 4 kB URL bound. */
export const MAX_STATE_LENGTH = 3072;

/** Creates a state sealer whose key comes from `secret`; `now` returns milliseconds since the epoch. */
export function createStateSealer(
  secret: string,
  options: { readonly now: () => number; readonly randomBytes: (length: number) => Uint8Array; readonly lifetimeMs?: number },
): StateSealer {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_STATE_LIFETIME_MS;
  const sealer = createSealer(secret, 'relay state v1', { ...options, maxLength: MAX_STATE_LENGTH });

  return {
    seal: (claims) => sealer.seal({ ...claims }, options.now() + lifetimeMs),

    async open(state) {
      const opened = await sealer.open(state);
      if (!opened.ok) return opened;
      const { redirectUri, appState, nonceHash } = opened.value;
      // Only this relay can have sealed it; the shape is checked all the same, against our own format changes.
      if (typeof redirectUri !== 'string' || typeof appState !== 'string' || typeof nonceHash !== 'string') {
        return { ok: false, code: 'MALFORMED' };
      }
      return { ok: true, claims: { redirectUri, appState, nonceHash } };
    },
  };
}
