/** Random values for `state`, from the Web Crypto API, and the base64 they are written in. */

/** Fills a byte array with cryptographically strong random values (`crypto.getRandomValues`; injected in tests). */
export type RandomFill = (bytes: Uint8Array) => Uint8Array;

/** Standard base64 of bytes (btoa takes one character per byte). */
export function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** A URL-safe string of `byteLength` random bytes (32 bytes = 256 bits by default). */
export function randomString(fill: RandomFill, byteLength = 32): string {
  // Padding only ever stands at the end of base64.
  return base64(fill(new Uint8Array(byteLength)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');
}
