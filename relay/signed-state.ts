/**
 * The relay's own OAuth `state`: the app's state and callback, signed with HMAC-SHA256 and
 * given an expiry, so the relay keeps nothing between /authorize and /callback yet can trust
 * what comes back.
 *
 * Format: `v1.<base64url JSON>.<base64url HMAC-SHA256 over "v1.<base64url JSON>">`.
 * The JSON is readable by anyone who sees the URL (it holds no secret); it cannot be changed.
 */
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from './encoding.ts';

/** What the relay carries from /authorize to /callback inside its state. */
export interface StateClaims {
  /** The app's callback URL, already checked against the allow-list. */
  readonly redirectUri: string;
  /** The app's own `state`, handed back to the app untouched. */
  readonly appState: string;
  /** SHA-256 of the nonce in the browser's cookie (the hash, so the URL never reveals the cookie). */
  readonly nonceHash: string;
}

/** Why a state was refused; stable codes for logs and tests. */
export type StateErrorCode = 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED';

/** The outcome of {@link StateSigner.verify}. */
export type VerifyStateResult = { readonly ok: true; readonly claims: StateClaims } | { readonly ok: false; readonly code: StateErrorCode };

/** Signs and verifies relay states with one key and one clock. */
export interface StateSigner {
  /** Returns a state string that expires `lifetimeMs` from now. */
  sign(claims: StateClaims): Promise<string>;
  /** Checks signature first, then shape, then expiry. */
  verify(state: string): Promise<VerifyStateResult>;
}

/** How long a user may take on Bitbucket's consent page before the state expires. */
export const DEFAULT_STATE_LIFETIME_MS = 10 * 60 * 1000;

const VERSION = 'v1';

/** Creates a signer whose key comes from `secret`; `now` returns milliseconds since the epoch. */
export function createStateSigner(secret: string, options: { readonly now: () => number; readonly lifetimeMs?: number }): StateSigner {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_STATE_LIFETIME_MS;
  // Imported once per signer; `extractable: false` keeps the raw key out of reach of other code.
  // Stryker disable next-line BooleanLiteral: the key never leaves this closure and nothing exports it, so no caller can tell whether it could be exported; false is defence in depth.
  const key = crypto.subtle.importKey('raw', utf8Bytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

  return {
    async sign(claims) {
      const body = { ...claims, expiresAt: options.now() + lifetimeMs };
      const signed = `${VERSION}.${bytesToBase64Url(utf8Bytes(JSON.stringify(body)))}`;
      const signature = await crypto.subtle.sign('HMAC', await key, utf8Bytes(signed));
      return `${signed}.${bytesToBase64Url(new Uint8Array(signature))}`;
    },

    async verify(state) {
      const [version, payload, signatureText, ...rest] = state.split('.');
      if (version !== VERSION || payload === undefined || signatureText === undefined || rest.length > 0) {
        return { ok: false, code: 'MALFORMED' };
      }
      const signature = base64UrlToBytes(signatureText);
      if (signature === undefined) return { ok: false, code: 'MALFORMED' };
      // crypto.subtle.verify compares in constant time, so timing reveals nothing about the MAC.
      const valid = await crypto.subtle.verify('HMAC', await key, signature, utf8Bytes(`${version}.${payload}`));
      if (!valid) return { ok: false, code: 'BAD_SIGNATURE' };

      const body = parsePayload(payload);
      if (body === undefined) return { ok: false, code: 'MALFORMED' };
      if (options.now() >= body.expiresAt) return { ok: false, code: 'EXPIRED' };
      return {
        ok: true,
        claims: { redirectUri: body.redirectUri, appState: body.appState, nonceHash: body.nonceHash },
      };
    },
  };
}

// Only reached with a valid signature, so this guards against our own future format changes
// rather than against attackers; it still checks every field before use.
function parsePayload(payload: string): (StateClaims & { expiresAt: number }) | undefined {
  let body: unknown;
  try {
    // Text that is not base64url gives undefined bytes, which decode as '': not JSON either.
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64UrlToBytes(payload)));
  } catch {
    // Not base64url, not UTF-8 or not JSON: body stays undefined, and is refused below.
  }
  // Object() turns null and undefined into an empty object, a number or string into its wrapper:
  // none of them has these fields, so every shape but the one signed fails the checks.
  const { redirectUri, appState, nonceHash, expiresAt } = Object(body) as Record<string, unknown>;
  if (
    typeof redirectUri !== 'string' ||
    typeof appState !== 'string' ||
    typeof nonceHash !== 'string' ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt)
  ) {
    return undefined;
  }
  return { redirectUri, appState, nonceHash, expiresAt };
}
