// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from '../../relay/encoding.ts';
import { createStateSigner, DEFAULT_STATE_LIFETIME_MS } from '../../relay/signed-state.ts';
import { RELAY_SECRET } from './support.ts';

const claims = { redirectUri: 'http://localhost:3000/oauth-callback', appState: 'abc', nonceHash: 'hash' };

function signerAt(clock: { now: number }, secret = RELAY_SECRET) {
  return createStateSigner(secret, { now: () => clock.now });
}

describe('signed state', () => {
  it('round-trips its claims', async () => {
    const clock = { now: 1_000_000 };
    const signer = signerAt(clock);
    const state = await signer.sign(claims);
    expect(state).toMatch(/^v1\.[\w-]+\.[\w-]{43}$/);
    expect(await signer.verify(state)).toEqual({ ok: true, claims });
  });

  it('expires after ten minutes, and not a millisecond before', async () => {
    const clock = { now: 1_000_000 };
    const signer = signerAt(clock);
    const state = await signer.sign(claims);
    clock.now += DEFAULT_STATE_LIFETIME_MS - 1;
    expect((await signer.verify(state)).ok).toBe(true);
    clock.now += 1;
    expect(await signer.verify(state)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('takes a different lifetime when asked', async () => {
    const clock = { now: 0 };
    const signer = createStateSigner(RELAY_SECRET, { now: () => clock.now, lifetimeMs: 1000 });
    const state = await signer.sign(claims);
    clock.now = 1000;
    expect(await signer.verify(state)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('refuses a payload changed after signing (a different callback)', async () => {
    const clock = { now: 0 };
    const signer = signerAt(clock);
    const [version, payload, signature] = (await signer.sign(claims)).split('.');
    const body: unknown = JSON.parse(new TextDecoder().decode(base64UrlToBytes(payload ?? '')));
    expect(body).toMatchObject(claims);
    const forged = bytesToBase64Url(utf8Bytes(JSON.stringify({ ...(body as object), redirectUri: 'https://evil.example/steal' })));
    expect(await signer.verify(`${version}.${forged}.${signature}`)).toEqual({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it('refuses a changed signature and a state signed with another key', async () => {
    const clock = { now: 0 };
    const state = await signerAt(clock).sign(claims);
    const flipped = state.slice(0, -2) + (state.endsWith('AA') ? 'BA' : 'AA');
    expect(await signerAt(clock).verify(flipped)).toEqual({ ok: false, code: 'BAD_SIGNATURE' });
    const other = await signerAt(clock, 'another-relay-secret-0123456789abcdef').sign(claims);
    expect(await signerAt(clock).verify(other)).toEqual({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it.each([
    ['', 'MALFORMED'],
    ['abc', 'MALFORMED'],
    ['v1.abc', 'MALFORMED'],
    ['v2.abc.def', 'MALFORMED'],
    ['v1.abc.def.ghi', 'MALFORMED'],
    ['v1.abc.!!!', 'MALFORMED'],
    ['v1..', 'BAD_SIGNATURE'],
  ])('calls %j %s', async (state, code) => {
    expect(await signerAt({ now: 0 }).verify(state)).toEqual({ ok: false, code });
  });

  it('refuses a good state with anything added, or under another version', async () => {
    const clock = { now: 0 };
    const state = await signerAt(clock).sign(claims);
    expect(await signerAt(clock).verify(`${state}.x`)).toEqual({ ok: false, code: 'MALFORMED' });
    expect(await signerAt(clock).verify(state.replace(/^v1\./, 'v2.'))).toEqual({ ok: false, code: 'MALFORMED' });
  });

  it('calls a correctly signed but non-JSON payload malformed', async () => {
    // Signs by hand, as a future version of the relay might, to check the shape check itself.
    const key = await crypto.subtle.importKey('raw', utf8Bytes(RELAY_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const signed = `v1.${bytesToBase64Url(utf8Bytes('{"redirectUri":1}'))}`;
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8Bytes(signed)));
    expect(await signerAt({ now: 0 }).verify(`${signed}.${bytesToBase64Url(signature)}`)).toEqual({
      ok: false,
      code: 'MALFORMED',
    });
  });
});

describe('signed state, payloads only the relay could have signed', () => {
  // Signed by hand with the relay's key, as a future version of the relay might: checks the shape
  // check itself, which a forger never reaches.
  async function signedByHand(payload: Uint8Array): Promise<string> {
    const key = await crypto.subtle.importKey('raw', utf8Bytes(RELAY_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const signed = `v1.${bytesToBase64Url(payload)}`;
    return `${signed}.${bytesToBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8Bytes(signed))))}`;
  }
  const verify = async (payload: Uint8Array) => signerAt({ now: 0 }).verify(await signedByHand(payload));
  const json = (value: unknown) => utf8Bytes(JSON.stringify(value));
  const good = { ...claims, expiresAt: 60_000 };

  it('accepts the shape the relay signs', async () => {
    expect(await verify(json(good))).toEqual({ ok: true, claims });
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', 'v1'],
    ['no callback', { ...good, redirectUri: undefined }],
    ['a callback that is not a string', { ...good, redirectUri: ['https://app.example/'] }],
    ['no app state', { ...good, appState: undefined }],
    ['an app state that is not a string', { ...good, appState: 1 }],
    ['no nonce hash', { ...good, nonceHash: undefined }],
    ['a nonce hash that is not a string', { ...good, nonceHash: {} }],
    ['no expiry', { ...good, expiresAt: undefined }],
    ['an expiry that is not a number', { ...good, expiresAt: '60000' }],
  ])('calls a payload with %s malformed', async (_name, payload) => {
    expect(await verify(json(payload))).toEqual({ ok: false, code: 'MALFORMED' });
  });

  it('calls an expiry too large to be a number (1e999 parses as Infinity) malformed, not "never expires"', async () => {
    const text = JSON.stringify({ ...good, expiresAt: 0 }).replace('"expiresAt":0', '"expiresAt":1e999');
    expect(await verify(utf8Bytes(text))).toEqual({ ok: false, code: 'MALFORMED' });
  });

  it('calls a payload that is not UTF-8 malformed instead of reading it with replacement characters', async () => {
    const bytes = json({ ...good, appState: '~' });
    bytes[bytes.indexOf('~'.charCodeAt(0))] = 0xff;
    expect(await verify(bytes)).toEqual({ ok: false, code: 'MALFORMED' });
  });
});
