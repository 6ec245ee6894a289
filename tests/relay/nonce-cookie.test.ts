// @vitest-environment node
// The nonce cookie's parts one by one; tests/relay/relay.test.ts checks them working together.
import { describe, expect, it } from 'vitest';
import { clearNonceCookie, hashNonce, nonceCookieName, readCookie, setNonceCookie, timingSafeEqual } from '../../relay/nonce-cookie.ts';

describe('nonce cookie', () => {
  it('is __Host- and Secure on https, plain on http, HttpOnly and SameSite=Lax on both', () => {
    expect(nonceCookieName({ secure: true })).toBe('__Host-relay-nonce');
    expect(nonceCookieName({ secure: false })).toBe('relay-nonce');
    expect(setNonceCookie('n0nce', 600, { secure: true })).toBe(
      '__Host-relay-nonce=n0nce; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure',
    );
    expect(setNonceCookie('n0nce', 600, { secure: false })).toBe('relay-nonce=n0nce; Max-Age=600; Path=/; HttpOnly; SameSite=Lax');
  });

  it('is cleared with the same attributes it was set with', () => {
    expect(clearNonceCookie({ secure: true })).toBe('__Host-relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(clearNonceCookie({ secure: false })).toBe('relay-nonce=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
  });

  it('travels as the SHA-256 of the nonce, base64url', async () => {
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    expect(await hashNonce('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});

describe('readCookie', () => {
  it.each([
    ['the only cookie', 'relay-nonce=abc', 'abc'],
    ['among others, with spaces', 'a=1;  relay-nonce = abc ; b=2', 'abc'],
    ['the first of two (RFC 6265 sends the most specific first)', 'relay-nonce=first; relay-nonce=second', 'first'],
    ['a value holding "="', 'relay-nonce=a=b', 'a=b'],
    ['after a pair without "=", which is skipped', 'relay-nonceX; relay-nonce=abc', 'abc'],
    ['an empty value', 'relay-nonce=', ''],
  ])('finds %s', (_name, header, value) => {
    expect(readCookie(header, 'relay-nonce')).toBe(value);
  });

  it.each([
    ['no Cookie header', null],
    ['an empty header', ''],
    ['only other cookies', 'a=1; b=2'],
    ['a longer name', 'xrelay-nonce=abc; relay-nonce-2=def'],
    ['the name alone', 'relay-nonce'],
  ])('finds nothing in %s', (_name, header) => {
    expect(readCookie(header, 'relay-nonce')).toBeUndefined();
  });
});

describe('timingSafeEqual', () => {
  it.each([
    ['', '', true],
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'xbc', false],
    ['a', 'ab', false],
    ['ab', 'a', false],
    ['', 'a', false],
  ])('%j and %j: %s', (a, b, equal) => {
    expect(timingSafeEqual(a, b)).toBe(equal);
  });
});
