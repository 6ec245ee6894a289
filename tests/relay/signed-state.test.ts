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

  it.each(['', 'abc', 'v1.abc', 'v2.abc.def', 'v1.abc.def.ghi', 'v1.abc.!!!', 'v1..'])('calls %j malformed', async (state) => {
    expect(await signerAt({ now: 0 }).verify(state)).toEqual({
      ok: false,
      code: expect.stringMatching(/MALFORMED|BAD_SIGNATURE/),
    });
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
