/**
 * Byte and text encodings the relay needs, written against Web APIs only (`btoa`, `atob`,
 * `TextEncoder`) so the same code runs on Node and on Cloudflare Workers, which has no `Buffer`.
 */

const utf8 = new TextEncoder();

/** Encodes text as UTF-8 bytes. */
export function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(text);
}

/** Encodes bytes as standard base64 (with `+`, `/` and padding), as HTTP Basic auth expects. */
export function bytesToBase64(bytes: Uint8Array): string {
  // btoa takes a "binary string": one character per byte.
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Encodes bytes as base64url without padding (RFC 4648 §5), safe in URLs and cookies. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  // Base64 has "=" only as padding, at the end.
  return bytesToBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

/** Decodes base64url without padding; returns undefined for anything that is not base64url. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  // atob is lenient (it skips whitespace, accepts padding), so check the alphabet first.
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
