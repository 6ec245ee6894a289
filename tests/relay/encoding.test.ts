// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { base64UrlToBytes, bytesToBase64, bytesToBase64Url, utf8Bytes } from '../../relay/encoding.ts';

describe('base64 and base64url', () => {
  it.each([
    // Every length of padding, and the two characters base64url writes differently.
    [[], '', ''],
    [[0xfb], '+w==', '-w'],
    [[0xfb, 0xff], '+/8=', '-_8'],
    [[0xfb, 0xff, 0xbf], '+/+/', '-_-_'],
    [[0x66, 0x6f, 0x6f, 0x62], 'Zm9vYg==', 'Zm9vYg'],
  ])('writes %o as %o in base64 and %o in base64url, and reads it back', (bytes, base64, base64url) => {
    expect(bytesToBase64(new Uint8Array(bytes))).toBe(base64);
    expect(bytesToBase64Url(new Uint8Array(bytes))).toBe(base64url);
    expect(base64UrlToBytes(base64url)).toEqual(new Uint8Array(bytes));
  });

  it.each([
    ['a length no base64 can have', 'abcde'],
    ['a single character', 'a'],
    ['padding', 'Zm9vYg=='],
    ['the standard alphabet', '+/8'],
    ['whitespace, which atob would skip', 'Zm9v Yg'],
  ])('reads nothing from %s', (_what, text) => {
    expect(base64UrlToBytes(text)).toBeUndefined();
  });

  it('encodes text as UTF-8', () => {
    expect(utf8Bytes('é€')).toEqual(new Uint8Array([0xc3, 0xa9, 0xe2, 0x82, 0xac]));
  });
});
