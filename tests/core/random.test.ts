import { describe, expect, it } from 'vitest';
import { base64, randomString } from '../../packages/bitbucket-browser-auth/src/random.ts';

describe('randomString', () => {
  it('writes the random bytes as base64url: no "+", "/" or "=" to be mangled in a URL', () => {
    // 0xfb 0xff 0xbf is "+/+/" in standard base64; one byte more needs padding.
    const fill = (bytes: Uint8Array) => bytes.map((_, i) => [0xfb, 0xff, 0xbf][i % 3] ?? 0);
    expect(base64(new Uint8Array([0xfb, 0xff, 0xbf, 0xfb]))).toBe('+/+/+w==');
    expect(randomString(fill, 4)).toBe('-_-_-w');
  });

  it('uses 32 bytes (256 bits) unless told otherwise', () => {
    const lengths: number[] = [];
    const fill = (bytes: Uint8Array) => (lengths.push(bytes.length), bytes);
    expect(randomString(fill)).toHaveLength(43);
    expect(randomString(fill, 16)).toHaveLength(22);
    expect(lengths).toEqual([32, 16]);
  });
});
