// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createDecapSeals, decapRefreshPurpose, MAX_DECAP_REFRESH_LENGTH } from '../../relay/decap-seals.ts';
import { createSealer } from '../../relay/seal.ts';
import { MAX_STATE_LENGTH } from '../../relay/sealed-state.ts';
import { RELAY_SECRET } from './support.ts';

const AUDIENCE = { origin: 'https://cms.example.com', siteId: 'cms.example.com' };
const NONCE_HASH = 'n'.repeat(43);

function seals(lifetimeSeconds = 3600, secret = RELAY_SECRET) {
  const clock = { now: Date.UTC(2026, 11, 1) };
  let counter = 0;
  const randomBytes = (length: number) => new Uint8Array(length).fill((counter += 1));
  return { clock, randomBytes, seals: createDecapSeals(secret, { now: () => clock.now, randomBytes, lifetimeSeconds }) };
}

describe("Decap's sealed state", () => {
  it('carries the site and the nonce hash, and nothing readable', async () => {
    const { seals: s } = seals();
    const state = (await s.sealState({ siteId: 'cms.example.com', nonceHash: NONCE_HASH })) ?? '';
    expect(state).toMatch(/^s1\.[\w-]+$/);
    expect(state).not.toContain('cms');
    expect(await s.openState(state)).toEqual({ ok: true, claims: { siteId: 'cms.example.com', nonceHash: NONCE_HASH } });
  });

  it('expires after 5 minutes, as the app sign-in state does', async () => {
    const { seals: s, clock } = seals();
    const state = (await s.sealState({ siteId: 'a', nonceHash: NONCE_HASH })) ?? '';
    clock.now += 5 * 60 * 1000 - 1;
    expect((await s.openState(state)).ok).toBe(true);
    clock.now += 1;
    expect(await s.openState(state)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it("does not open the app's state, nor the app's sealer Decap's: a key of its own", async () => {
    const { seals: s, clock, randomBytes } = seals();
    const app = createSealer(RELAY_SECRET, 'relay state v1', { now: () => clock.now, randomBytes, maxLength: MAX_STATE_LENGTH });
    const appState = (await app.seal({ kind: 'decap', siteId: 'a', nonceHash: NONCE_HASH }, clock.now + 60_000)) ?? '';
    expect(await s.openState(appState)).toEqual({ ok: false, code: 'BAD_SEAL' });
    const decapState = (await s.sealState({ siteId: 'a', nonceHash: NONCE_HASH })) ?? '';
    expect(await app.open(decapState)).toEqual({ ok: false, code: 'BAD_SEAL' });
  });

  it.each([
    ['another kind', { kind: 'app', siteId: 'a', nonceHash: NONCE_HASH }],
    ['no kind', { siteId: 'a', nonceHash: NONCE_HASH }],
    ['no site', { kind: 'decap', nonceHash: NONCE_HASH }],
    ['no nonce hash', { kind: 'decap', siteId: 'a' }],
  ])('refuses a state of its own key with %s', async (_case, value) => {
    const { clock, randomBytes, seals: s } = seals();
    const sealer = createSealer(RELAY_SECRET, 'relay decap state v1', { now: () => clock.now, randomBytes, maxLength: MAX_STATE_LENGTH });
    expect(await s.openState((await sealer.seal(value, clock.now + 60_000)) ?? '')).toEqual({ ok: false, code: 'MALFORMED' });
  });
});

describe("Decap's sealed refresh token", () => {
  it('opens for the origin and site it was sealed for, and for no other', async () => {
    const { seals: s, clock } = seals();
    const sealed = (await s.sealRefreshToken('refresh-NEVER-LOG', AUDIENCE)) ?? '';
    expect(sealed).toMatch(/^s1\.[\w-]+$/);
    expect(sealed).not.toContain('NEVER-LOG');
    expect(await s.openRefreshToken(sealed, AUDIENCE)).toEqual({
      ok: true,
      refreshToken: 'refresh-NEVER-LOG',
      expiresAt: clock.now + 3600 * 1000,
    });
    for (const other of [
      { origin: 'https://evil.example', siteId: AUDIENCE.siteId },
      { origin: AUDIENCE.origin, siteId: 'evil.example' },
      // The two parts cannot trade characters: JSON keeps them apart.
      { origin: 'https://cms.example.co', siteId: `m${AUDIENCE.siteId}` },
    ]) {
      expect(await s.openRefreshToken(sealed, other)).toEqual({ ok: false, code: 'BAD_SEAL' });
    }
  });

  it('opens under the same RELAY_SECRET only', async () => {
    const sealed = (await seals().seals.sealRefreshToken('refresh-NEVER-LOG', AUDIENCE)) ?? '';
    const other = seals(3600, 'another-relay-secret-0123456789abcdefghij').seals;
    expect(await other.openRefreshToken(sealed, AUDIENCE)).toEqual({ ok: false, code: 'BAD_SEAL' });
  });

  it('names its key by the origin and site, as JSON', () => {
    expect(decapRefreshPurpose(AUDIENCE)).toBe('relay decap refresh v1 ["https://cms.example.com","cms.example.com"]');
  });

  it('lives its lifetime from its sealing', async () => {
    const { seals: s, clock } = seals(600);
    const sealed = (await s.sealRefreshToken('refresh', AUDIENCE)) ?? '';
    clock.now += 600_000 - 1;
    expect((await s.openRefreshToken(sealed, AUDIENCE)).ok).toBe(true);
    clock.now += 1;
    expect(await s.openRefreshToken(sealed, AUDIENCE)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it("keeps the end it is given: a renewal seals the new refresh token until the sign-in's end, not a new one", async () => {
    const { seals: s, clock } = seals(600);
    const end = clock.now + 100_000;
    const sealed = (await s.sealRefreshToken('refresh', AUDIENCE, end)) ?? '';
    expect(await s.openRefreshToken(sealed, AUDIENCE)).toEqual({ ok: true, refreshToken: 'refresh', expiresAt: end });
    clock.now = end;
    expect(await s.openRefreshToken(sealed, AUDIENCE)).toEqual({ ok: false, code: 'EXPIRED' });
  });

  it('refuses a value of its own key without a refresh token or without its end', async () => {
    const { seals: s, clock, randomBytes } = seals();
    const sealer = createSealer(RELAY_SECRET, decapRefreshPurpose(AUDIENCE), { now: () => clock.now, randomBytes, maxLength: 2048 });
    for (const value of [
      { rt: 'refresh' },
      { rt: 'refresh', end: String(clock.now + 1000) },
      { rt: '', end: clock.now + 1000 },
      { end: clock.now + 1000 },
    ]) {
      const sealed = (await sealer.seal(value, clock.now + 1000)) ?? '';
      expect(await s.openRefreshToken(sealed, AUDIENCE), JSON.stringify(value)).toEqual({ ok: false, code: 'MALFORMED' });
    }
  });

  it(`stays within ${MAX_DECAP_REFRESH_LENGTH} characters for any refresh token Bitbucket may send, unless JSON must escape it`, async () => {
    const { seals: s } = seals();
    const longest = (await s.sealRefreshToken('r'.repeat(1024), AUDIENCE)) ?? '';
    expect(longest.length).toBeLessThanOrEqual(MAX_DECAP_REFRESH_LENGTH);
    expect((await s.sealRefreshToken('r'.repeat(40), AUDIENCE))?.length).toBeLessThan(200);
    expect(await s.sealRefreshToken('"'.repeat(1024), AUDIENCE)).toBeUndefined();
  });
});
