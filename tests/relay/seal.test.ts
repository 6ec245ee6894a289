// @vitest-environment node
// Sealing on its own: tests/relay/session-cookie.test.ts and sealed-state.test.ts check its two uses.
import { describe, expect, it } from 'vitest';
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from '../../relay/encoding.ts';
import { createSealer } from '../../relay/seal.ts';
import type { SealPurpose } from '../../relay/seal.ts';
import { RELAY_SECRET } from './support.ts';

const clock = { now: 1_000_000 };
let counter = 0;
const random = (length: number) => new Uint8Array(length).fill((counter += 1));
const sealer = (secret = RELAY_SECRET, purpose: SealPurpose = 'relay session v1', maxLength = 4000) =>
  createSealer(secret, purpose, { now: () => clock.now, randomBytes: random, maxLength });

/** Seals `plaintext` exactly as the relay would, but with a payload chosen by hand. */
async function sealByHand(plaintext: Uint8Array, purpose = 'relay session v1', info = purpose): Promise<string> {
  const base = await crypto.subtle.importKey('raw', utf8Bytes(RELAY_SECRET), 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8Bytes('bitbucket-token-relay'), info: utf8Bytes(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt'],
  );
  const iv = new Uint8Array(12).fill(7);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8Bytes(purpose) }, key, new Uint8Array(plaintext)),
  );
  const bytes = new Uint8Array(12 + sealed.length);
  bytes.set(iv);
  bytes.set(sealed, 12);
  return `s1.${bytesToBase64Url(bytes)}`;
}

const json = (value: unknown) => utf8Bytes(JSON.stringify(value));
const later = clock.now + 60_000;

describe('seal and open', () => {
  it('round-trips an object, without its expiry, and shows nothing of it', async () => {
    const sealed = (await sealer().seal({ secret: 'refresh-NEVER-READABLE', n: 1 }, later)) ?? '';
    expect(sealed).toMatch(/^s1\.[\w-]+$/);
    expect(new TextDecoder().decode(base64UrlToBytes(sealed.slice(3)))).not.toContain('NEVER-READABLE');
    expect(await sealer().open(sealed)).toEqual({ ok: true, value: { secret: 'refresh-NEVER-READABLE', n: 1 } });
  });

  it('uses a fresh IV from the random source for each seal: the same value seals differently', async () => {
    const before = counter;
    const first = (await sealer().seal({ a: 1 }, later)) ?? '';
    const second = (await sealer().seal({ a: 1 }, later)) ?? '';
    expect(first).not.toBe(second);
    expect([...(base64UrlToBytes(first.slice(3)) ?? new Uint8Array()).subarray(0, 12)]).toEqual(new Array(12).fill(before + 1));
  });

  it('derives its key with HKDF-SHA256 from the secret and the purpose, which is also authenticated', async () => {
    expect(await sealer().open(await sealByHand(json({ a: 1, exp: later })))).toEqual({ ok: true, value: { a: 1 } });
    // The right key, but the purpose not authenticated as it should be: refused.
    expect(await sealer().open(await sealByHand(json({ a: 1, exp: later }), 'relay state v1', 'relay session v1'))).toEqual({
      ok: false,
      code: 'BAD_SEAL',
    });
  });

  it('expires at its expiry, and not a millisecond before', async () => {
    const sealed = (await sealer().seal({ a: 1 }, clock.now + 1000)) ?? '';
    clock.now += 999;
    expect((await sealer().open(sealed)).ok).toBe(true);
    clock.now += 1;
    expect(await sealer().open(sealed)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('refuses a value changed anywhere: IV, ciphertext or tag', async () => {
    const sealed = (await sealer().seal({ a: 1 }, later)) ?? '';
    const bytes = base64UrlToBytes(sealed.slice(3)) ?? new Uint8Array();
    for (const index of [0, 11, 12, bytes.length - 17, bytes.length - 1]) {
      const changed = Uint8Array.from(bytes);
      changed[index] = (changed[index] ?? 0) ^ 0x01;
      expect(await sealer().open(`s1.${bytesToBase64Url(changed)}`), `byte ${index}`).toEqual({ ok: false, code: 'BAD_SEAL' });
    }
  });

  it('refuses a value cut short', async () => {
    const sealed = (await sealer().seal({ a: 1 }, later)) ?? '';
    expect(await sealer().open(sealed.slice(0, -4))).toEqual({ ok: false, code: 'BAD_SEAL' });
    // Shorter than an IV and a tag: not even tried.
    expect(await sealer().open(`s1.${bytesToBase64Url(new Uint8Array(27))}`)).toEqual({ ok: false, code: 'MALFORMED' });
    expect(await sealer().open(`s1.${bytesToBase64Url(new Uint8Array(28))}`)).toEqual({ ok: false, code: 'BAD_SEAL' });
  });

  it('refuses a value sealed under another secret, or for another purpose', async () => {
    const otherSecret = (await sealer('another-relay-secret-0123456789abcdef').seal({ a: 1 }, later)) ?? '';
    expect(await sealer().open(otherSecret)).toEqual({ ok: false, code: 'BAD_SEAL' });
    const state = (await sealer(RELAY_SECRET, 'relay state v1').seal({ a: 1 }, later)) ?? '';
    expect(await sealer().open(state)).toEqual({ ok: false, code: 'BAD_SEAL' });
    expect((await sealer(RELAY_SECRET, 'relay state v1').open(state)).ok).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['without the prefix', 'abc'],
    ['another version', 's2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['not base64url', 's1.!!!!'],
  ])('calls a value %s malformed', async (_name, text) => {
    expect(await sealer().open(text)).toEqual({ ok: false, code: 'MALFORMED' });
  });

  it('refuses to seal past its maximum length, and to open anything longer without reading it', async () => {
    const sealed = (await sealer().seal({ a: 'x'.repeat(100) }, later)) ?? '';
    expect(await sealer(RELAY_SECRET, 'relay session v1', sealed.length).seal({ a: 'x'.repeat(100) }, later)).toMatch(/^s1\./);
    expect(await sealer(RELAY_SECRET, 'relay session v1', sealed.length - 1).seal({ a: 'x'.repeat(100) }, later)).toBeUndefined();
    expect((await sealer(RELAY_SECRET, 'relay session v1', sealed.length).open(sealed)).ok).toBe(true);
    expect(await sealer(RELAY_SECRET, 'relay session v1', sealed.length - 1).open(sealed)).toEqual({ ok: false, code: 'OVERSIZE' });
  });
});

describe('open, payloads only the relay could have sealed', () => {
  it.each([
    ['not JSON', utf8Bytes('not json')],
    ['a JSON null', json(null)],
    ['an array', json([1, 2])],
    ['a string', json('s1')],
    ['no expiry', json({ a: 1 })],
    ['an expiry that is not a number', json({ a: 1, exp: String(later) })],
    ['an expiry too large to be a number (1e999)', utf8Bytes('{"a":1,"exp":1e999}')],
    ['bytes that are not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d])],
    // Read leniently, the byte would become U+FFFD and the JSON would hold.
    ['JSON whose text holds a byte that is not UTF-8', Uint8Array.from([...utf8Bytes('{"a":"'), 0xff, ...utf8Bytes(`","exp":${later}}`)])],
  ])('calls %s malformed', async (_name, plaintext) => {
    expect(await sealer().open(await sealByHand(plaintext))).toEqual({ ok: false, code: 'MALFORMED' });
  });
});
