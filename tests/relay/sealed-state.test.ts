// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { base64UrlToBytes } from '../../relay/encoding.ts';
import { createSealer } from '../../relay/seal.ts';
import { createStateSealer, DEFAULT_STATE_LIFETIME_MS, MAX_STATE_LENGTH } from '../../relay/sealed-state.ts';
import { APP_STATE, RELAY_SECRET } from './support.ts';

const claims = { redirectUri: 'http://localhost:3000/oauth-callback', appState: APP_STATE, nonceHash: 'hash' };
const random = (length: number) => new Uint8Array(length).fill(9);

function sealerAt(clock: { now: number }, secret = RELAY_SECRET) {
  return createStateSealer(secret, { now: () => clock.now, randomBytes: random });
}

describe('sealed state', () => {
  it('round-trips its claims, and neither the app state nor the callback can be read in it', async () => {
    const clock = { now: 1_000_000 };
    const state = (await sealerAt(clock).seal(claims)) ?? '';
    expect(state).toMatch(/^s1\.[\w-]+$/);
    const visible = `${state} ${new TextDecoder().decode(base64UrlToBytes(state.slice(3)))}`;
    for (const text of [APP_STATE, 'localhost', 'oauth-callback', 'hash']) expect(visible).not.toContain(text);
    expect(await sealerAt(clock).open(state)).toEqual({ ok: true, claims });
  });

  it('expires after five minutes, and not a millisecond before', async () => {
    expect(DEFAULT_STATE_LIFETIME_MS).toBe(5 * 60 * 1000);
    const clock = { now: 1_000_000 };
    const state = (await sealerAt(clock).seal(claims)) ?? '';
    clock.now += DEFAULT_STATE_LIFETIME_MS - 1;
    expect((await sealerAt(clock).open(state)).ok).toBe(true);
    clock.now += 1;
    expect(await sealerAt(clock).open(state)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('takes a different lifetime when asked', async () => {
    const clock = { now: 0 };
    const sealer = createStateSealer(RELAY_SECRET, { now: () => clock.now, randomBytes: random, lifetimeMs: 1000 });
    const state = (await sealer.seal(claims)) ?? '';
    clock.now = 1000;
    expect(await sealer.open(state)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('refuses a state sealed with another secret, or as a session cookie', async () => {
    const clock = { now: 0 };
    const other = (await sealerAt(clock, 'another-relay-secret-0123456789abcdef').seal(claims)) ?? '';
    expect(await sealerAt(clock).open(other)).toEqual({ ok: false, code: 'BAD_SEAL' });
    const session = createSealer(RELAY_SECRET, 'relay session v1', { now: () => 0, randomBytes: random, maxLength: 4000 });
    expect(await sealerAt(clock).open((await session.seal({ ...claims }, 60_000)) ?? '')).toEqual({ ok: false, code: 'BAD_SEAL' });
  });

  it(`hands out no state longer than ${MAX_STATE_LENGTH} characters (the /callback URL must stay under 4 kB)`, async () => {
    const clock = { now: 0 };
    const long = (await sealerAt(clock).seal({ ...claims, appState: 'x'.repeat(2000) })) ?? '';
    expect(long.length).toBeLessThanOrEqual(MAX_STATE_LENGTH);
    expect(await sealerAt(clock).seal({ ...claims, redirectUri: `https://app.example/${'x'.repeat(2300)}` })).toBeUndefined();
  });

  it.each([
    ['no callback', { appState: 'a', nonceHash: 'h' }],
    ['a callback that is not a string', { redirectUri: 1, appState: 'a', nonceHash: 'h' }],
    ['no app state', { redirectUri: 'u', nonceHash: 'h' }],
    ['an app state that is not a string', { redirectUri: 'u', appState: ['a'], nonceHash: 'h' }],
    ['no nonce hash', { redirectUri: 'u', appState: 'a' }],
    ['a nonce hash that is not a string', { redirectUri: 'u', appState: 'a', nonceHash: {} }],
  ])('calls a sealed payload with %s malformed (only a relay of another version could have sealed it)', async (_name, payload) => {
    const session = createSealer(RELAY_SECRET, 'relay state v1', { now: () => 0, randomBytes: random, maxLength: 4000 });
    expect(await sealerAt({ now: 0 }).open((await session.seal(payload, 60_000)) ?? '')).toEqual({ ok: false, code: 'MALFORMED' });
  });
});
