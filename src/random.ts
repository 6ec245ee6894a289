/** Random values for `state`, from the Web Crypto API. */

/** Fills a byte array with cryptographically strong random values (injected in tests). */
export type RandomFill = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>;

/** A URL-safe string of `byteLength` random bytes (32 bytes = 256 bits by default). */
export function randomString(fill: RandomFill, byteLength = 32): string {
  const bytes = fill(new Uint8Array(byteLength));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
