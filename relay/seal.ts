/**
 * Sealing: what the relay hands the browser to keep for it (its OAuth state, the session cookie)
 * is encrypted and authenticated with AES-256-GCM, so the browser and whoever sees the value can
 * neither read it nor change it. Each use has its own key, derived with HKDF-SHA256 from
 * RELAY_SECRET and the use's name: a value sealed for one use does not open for another, and a new
 * RELAY_SECRET opens none of the old ones.
 *
 * Format: `s1.<base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag)>`; the plaintext is JSON with an
 * expiry (`exp`, milliseconds since the epoch) that {@link Sealer.open} checks.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF)
 * @see https://csrc.nist.gov/pubs/sp/800/38/d/final (GCM; 96-bit random IVs)
 */
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from './encoding.ts';

/**
 * The uses a key is derived for; each name gives another key. A Decap CMS refresh value's name
 * ends with the origin and site it was handed to (relay/decap-seals.ts), so it opens for those alone.
 */
export type SealPurpose = 'relay state v1' | 'relay session v1' | 'relay decap state v1' | `relay decap refresh v1 ${string}`;

/** Why a sealed value was refused; stable codes for logs and tests. */
export type OpenErrorCode = 'MALFORMED' | 'BAD_SEAL' | 'EXPIRED' | 'OVERSIZE';

/** The outcome of {@link Sealer.open}: the sealed object (without `exp`), or why not. */
export type OpenResult =
  { readonly ok: true; readonly value: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly code: OpenErrorCode };

/** Seals and opens values with one derived key and one clock. */
export interface Sealer {
  /** Seals `value` until `expiresAt` (ms); undefined when the result would be longer than `maxLength`. */
  seal(value: Readonly<Record<string, unknown>>, expiresAt: number): Promise<string | undefined>;
  /** Checks length, format, the seal (key and integrity), then the expiry. */
  open(sealed: string): Promise<OpenResult>;
}

/** What a sealer needs besides the secret. */
export interface SealerOptions {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Cryptographically random bytes, for the IVs. */
  readonly randomBytes: (length: number) => Uint8Array;
  /** Longest sealed text produced or accepted. */
  readonly maxLength: number;
}

const PREFIX = 's1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// A fixed salt: RELAY_SECRET is already a random key (RFC 5869 §3.1 allows one without a salt).
const SALT = utf8Bytes('bitbucket-token-relay');

/** Creates a sealer whose key is derived from `secret` for `purpose`. */
export function createSealer(secret: string, purpose: SealPurpose, options: SealerOptions): Sealer {
  const key = deriveKey(secret, purpose);
  // The purpose is also authenticated data: a value can only open under the purpose it was sealed for.
  const additionalData = utf8Bytes(purpose);

  return {
    async seal(value, expiresAt) {
      // Copied into a buffer of its own: WebCrypto takes no view of a shared one.
      const iv = new Uint8Array(options.randomBytes(IV_BYTES));
      const plaintext = utf8Bytes(JSON.stringify({ ...value, exp: expiresAt }));
      const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, await key, plaintext);
      const sealed = `${PREFIX}${bytesToBase64Url(concat(iv, new Uint8Array(ciphertext)))}`;
      return sealed.length > options.maxLength ? undefined : sealed;
    },

    async open(sealed) {
      // Before any decoding: a value longer than anything sealed here costs nothing to refuse.
      if (sealed.length > options.maxLength) return { ok: false, code: 'OVERSIZE' };
      if (!sealed.startsWith(PREFIX)) return { ok: false, code: 'MALFORMED' };
      const bytes = base64UrlToBytes(sealed.slice(PREFIX.length));
      if (bytes === undefined || bytes.length < IV_BYTES + TAG_BYTES) return { ok: false, code: 'MALFORMED' };
      let plaintext: ArrayBuffer;
      try {
        const iv = bytes.subarray(0, IV_BYTES);
        plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, await key, bytes.subarray(IV_BYTES));
      } catch {
        // Changed, cut short, sealed under another key or for another purpose: GCM's tag does not match.
        return { ok: false, code: 'BAD_SEAL' };
      }
      const { exp, ...value } = parseObject(plaintext);
      if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, code: 'MALFORMED' };
      if (options.now() >= exp) return { ok: false, code: 'EXPIRED' };
      return { ok: true, value };
    },
  };
}

/** The AES-256-GCM key for `purpose`, derived with HKDF-SHA256 from `secret`. */
async function deriveKey(secret: string, purpose: SealPurpose): Promise<CryptoKey> {
  // Stryker disable next-line BooleanLiteral: extractable only matters to code holding the key, and it never leaves this module.
  const base = await crypto.subtle.importKey('raw', utf8Bytes(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8Bytes(purpose) },
    base,
    { name: 'AES-GCM', length: 256 },
    // Stryker disable next-line BooleanLiteral: as above; false is defence in depth.
    false,
    ['encrypt', 'decrypt'],
  );
}

// Only reached with a valid tag, so only this relay can have written it; still checked before use.
// Anything but a JSON object comes out without an `exp` (Object() wraps null, numbers and strings
// in objects that have none), and is refused for that.
function parseObject(plaintext: ArrayBuffer): Record<string, unknown> {
  try {
    return Object(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
