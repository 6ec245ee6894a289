// @vitest-environment node
// The margin rule the relay and the app's renewal share: min(L/4, 300 s) + 10 s.
import { describe, expect, it } from 'vitest';
import { isFreshEnough, remainingSeconds, renewalMarginMs } from '../../relay/renewal-margin.ts';

describe('renewal margin', () => {
  it.each([
    // L, margin in seconds
    [60, 25],
    [1, 10.25],
    [1000, 260],
    [1200, 310],
    [3600, 310],
    [7200, 310],
  ])('is min(L/4, 300) + 10 s for a token issued with L = %i s: %f s', (lifetime, margin) => {
    expect(renewalMarginMs(lifetime)).toBe(margin * 1000);
  });

  it('hands a token out only while more than the margin is left', () => {
    const token = { expiresAt: 100_000, lifetimeSeconds: 60 };
    // 25 s margin: fresh with 25.001 s left, no longer with 25 s.
    expect(isFreshEnough(token, 100_000 - 25_001)).toBe(true);
    expect(isFreshEnough(token, 100_000 - 25_000)).toBe(false);
    expect(isFreshEnough(token, 100_000)).toBe(false);
  });

  it('says the remaining life in whole seconds, rounded down', () => {
    expect(remainingSeconds({ expiresAt: 100_000, lifetimeSeconds: 60 }, 100_000 - 40_999)).toBe(40);
    expect(remainingSeconds({ expiresAt: 100_000, lifetimeSeconds: 60 }, 100_000 - 41_000)).toBe(41);
  });
});
