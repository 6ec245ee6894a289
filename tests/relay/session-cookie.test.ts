// @vitest-environment node
// The session cookie's parts; tests/relay/sessions.test.ts checks it through the endpoints.
import { describe, expect, it } from 'vitest';
import { base64UrlToBytes } from '../../relay/encoding.ts';
import { createSealer } from '../../relay/seal.ts';
import { createSessionCookies, MAX_SET_COOKIE_LENGTH, sessionCookieName } from '../../relay/session-cookie.ts';
import type { Session } from '../../relay/session-cookie.ts';
import { ACCESS_TOKEN, REFRESH_TOKEN, RELAY_SECRET } from './support.ts';

const random = (length: number) => new Uint8Array(length).fill(3);
const HTTPS = { hostPrefix: true };
const HTTP = { hostPrefix: false };

function cookiesAt(clock: { now: number }, secret = RELAY_SECRET, lifetimeSeconds = 3600) {
  return createSessionCookies(secret, { now: () => clock.now, randomBytes: random, lifetimeSeconds });
}

const kept = { token: ACCESS_TOKEN, expiresAt: 5_000_000, lifetimeSeconds: 3600 };
const session: Session = {
  refreshToken: REFRESH_TOKEN,
  scope: 'account repository',
  accessToken: kept,
};

/** The `name=value` pair of a Set-Cookie line, as a browser sends it back. */
const pairOf = (line: string | undefined) => (line ?? '').split(';')[0] ?? '';

describe('the session cookie', () => {
  it('is __Host- and Secure when the relay is on https', async () => {
    expect(sessionCookieName(HTTPS)).toBe('__Host-relay-session');
    const line = await cookiesAt({ now: 0 }).set(session, HTTPS);
    expect(line).toMatch(/^__Host-relay-session=s1\.[\w-]+; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('is Secure without the prefix on http://localhost (browsers refuse __Host- there, but take Secure)', async () => {
    expect(sessionCookieName(HTTP)).toBe('relay-session');
    const line = await cookiesAt({ now: 0 }).set(session, HTTP);
    expect(line).toMatch(/^relay-session=s1\.[\w-]+; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('lives as long as it is told, in Max-Age and in its seal', async () => {
    const clock = { now: 0 };
    const cookies = cookiesAt(clock, RELAY_SECRET, 300);
    const line = (await cookies.set(session, HTTP)) ?? '';
    expect(line).toContain('; Max-Age=300;');
    clock.now = 299_999;
    expect((await cookies.read(pairOf(line), HTTP)).status).toBe('session');
    clock.now = 300_000;
    expect(await cookies.read(pairOf(line), HTTP)).toEqual({ status: 'refused', code: 'EXPIRED' });
  });

  it('is cleared with the same name and attributes it was set with', () => {
    const cookies = cookiesAt({ now: 0 });
    expect(cookies.clear(HTTPS)).toBe('__Host-relay-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict');
    expect(cookies.clear(HTTP)).toBe('relay-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict');
  });

  it('round-trips the session, and shows none of its tokens', async () => {
    const cookies = cookiesAt({ now: 0 });
    const line = (await cookies.set(session, HTTPS)) ?? '';
    const value = pairOf(line).split('=')[1] ?? '';
    const decoded = new TextDecoder().decode(base64UrlToBytes(value.slice(3)));
    for (const text of [line, decoded]) {
      expect(text).not.toContain(REFRESH_TOKEN);
      expect(text).not.toContain(ACCESS_TOKEN);
    }
    expect(await cookies.read(`other=1; ${pairOf(line)}`, HTTPS)).toEqual({ status: 'session', session });
    const bare = { refreshToken: REFRESH_TOKEN };
    expect(await cookies.read(pairOf(await cookies.set(bare, HTTPS)), HTTPS)).toEqual({ status: 'session', session: bare });
  });

  it(`keeps the refresh token alone when both do not fit into ${MAX_SET_COOKIE_LENGTH} bytes`, async () => {
    const cookies = cookiesAt({ now: 0 });
    const fits = { ...session, accessToken: { token: 'a'.repeat(2000), expiresAt: 1, lifetimeSeconds: 60 } };
    const fitting = (await cookies.set(fits, HTTPS)) ?? '';
    expect(await cookies.read(pairOf(fitting), HTTPS)).toEqual({ status: 'session', session: fits });
    const tooLong = { ...session, accessToken: { token: 'a'.repeat(3000), expiresAt: 1, lifetimeSeconds: 60 } };
    const line = (await cookies.set(tooLong, HTTPS)) ?? '';
    expect(line.length).toBeLessThanOrEqual(MAX_SET_COOKIE_LENGTH);
    expect(await cookies.read(pairOf(line), HTTPS)).toEqual({
      status: 'session',
      session: { refreshToken: REFRESH_TOKEN, scope: 'account repository' },
    });
  });

  it(`keeps both tokens in a line of exactly ${MAX_SET_COOKIE_LENGTH} bytes, and the refresh token alone one byte past it`, async () => {
    const cookies = cookiesAt({ now: 0 });
    const withToken = (scope: string, length: number): Session => ({
      refreshToken: REFRESH_TOKEN,
      scope,
      accessToken: { token: 'a'.repeat(length), expiresAt: 1, lifetimeSeconds: 60 },
    });
    const keepsBoth = async (session: Session) => {
      const line = (await cookies.set(session, HTTPS)) ?? '';
      const read = await cookies.read(pairOf(line), HTTPS);
      return { line, both: read.status === 'session' && read.session.accessToken !== undefined };
    };
    // Base64 grows by one or two characters a byte: some scope length reaches exactly the bound.
    let exact: { scope: string; length: number } | undefined;
    for (let pad = 0; pad < 3 && exact === undefined; pad += 1) {
      for (let length = 2700; length < 3000 && exact === undefined; length += 1) {
        const { line, both } = await keepsBoth(withToken('s'.repeat(pad), length));
        if (both && line.length === MAX_SET_COOKIE_LENGTH) exact = { scope: 's'.repeat(pad), length };
      }
    }
    if (exact === undefined) throw new Error('no line of exactly the bound');
    // One byte more: the line would be longer than the bound (though its sealed value alone is not).
    const past = await keepsBoth(withToken(exact.scope, exact.length + 1));
    expect(past.both).toBe(false);
    expect(past.line).toMatch(/^__Host-relay-session=s1\./);
  });

  it('stores nothing when even the refresh token does not fit', async () => {
    const cookies = cookiesAt({ now: 0 });
    expect(await cookies.set({ refreshToken: 'r'.repeat(3000) }, HTTPS)).toBeUndefined();
    expect(await cookies.set({ refreshToken: 'r'.repeat(3000), accessToken: kept }, HTTPS)).toBeUndefined();
  });

  it.each([
    ['no Cookie header', null],
    ['only other cookies', 'a=1; relay-session-2=x'],
    ['an empty value', 'relay-session='],
  ])('finds no session in %s', async (_name, header) => {
    expect(await cookiesAt({ now: 0 }).read(header, HTTP)).toEqual({ status: 'none' });
  });

  it('reads only its own name: the __Host- cookie on https, the plain one on http', async () => {
    const cookies = cookiesAt({ now: 0 });
    const https = pairOf(await cookies.set(session, HTTPS));
    expect(await cookies.read(https.replace('__Host-', ''), HTTPS)).toEqual({ status: 'none' });
    expect((await cookies.read(https.replace('__Host-', ''), HTTP)).status).toBe('session');
  });

  it('refuses a cookie that was changed, cut short, sealed under another key, expired or oversized', async () => {
    const clock = { now: 0 };
    const cookies = cookiesAt(clock);
    const good = pairOf(await cookies.set(session, HTTP));
    const value = good.slice('relay-session='.length);
    const flipped = value.slice(0, 30) + (value[30] === 'A' ? 'B' : 'A') + value.slice(31);
    const other = pairOf(await cookiesAt(clock, 'another-relay-secret-0123456789abcdef').set(session, HTTP));
    expect(await cookies.read(`relay-session=${flipped}`, HTTP)).toEqual({ status: 'refused', code: 'BAD_SEAL' });
    expect(await cookies.read(`relay-session=${value.slice(0, -8)}`, HTTP)).toEqual({ status: 'refused', code: 'BAD_SEAL' });
    expect(await cookies.read(other, HTTP)).toEqual({ status: 'refused', code: 'BAD_SEAL' });
    expect(await cookies.read(`relay-session=${value}${'A'.repeat(MAX_SET_COOKIE_LENGTH)}`, HTTP)).toEqual({
      status: 'refused',
      code: 'OVERSIZE',
    });
    clock.now = 3600_000;
    expect(await cookies.read(good, HTTP)).toEqual({ status: 'refused', code: 'EXPIRED' });
  });

  it.each([
    ['no refresh token', { sc: 'x' }],
    ['an empty refresh token', { rt: '' }],
    ['a refresh token that is not a string', { rt: 1 }],
    ['a scope that is not a string', { rt: 'r', sc: ['x'] }],
    ['an access token that is not a string', { rt: 'r', at: 1, ae: 1, al: 60 }],
    ['an access token without its expiry', { rt: 'r', at: 'a', al: 60 }],
    ['an expiry that is not a number', { rt: 'r', at: 'a', ae: '1', al: 60 }],
    ['an access token without its lifetime', { rt: 'r', at: 'a', ae: 1 }],
    ['a lifetime that is not a number', { rt: 'r', at: 'a', ae: 1, al: '60' }],
    ['a lifetime of 0', { rt: 'r', at: 'a', ae: 1, al: 0 }],
  ])('calls a sealed session with %s malformed', async (_name, payload) => {
    const sealer = createSealer(RELAY_SECRET, 'relay session v1', { now: () => 0, randomBytes: random, maxLength: 4000 });
    const sealed = (await sealer.seal(payload, 60_000)) ?? '';
    expect(await cookiesAt({ now: 0 }).read(`relay-session=${sealed}`, HTTP)).toEqual({ status: 'refused', code: 'MALFORMED' });
  });
});
