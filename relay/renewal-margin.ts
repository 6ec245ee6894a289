/**
 * When a kept access token is still worth handing out. The app's renewal in the browser uses the
 * same rule, so that the two never disagree about whether a token is fresh enough:
 *
 *   with L = the `expires_in` Bitbucket gave when the token was issued, the token is handed out
 *   only while its remaining life is more than min(L / 4, 300 s) + 10 s.
 *
 * A quarter of its life leaves room for a renewal to be slow; 300 s caps that for long-lived
 * tokens; the 10 s cover clocks and the trip to Bitbucket.
 */

/** The cap on the quarter of a token's life, in seconds. */
export const MAX_RENEWAL_LEAD_SECONDS = 300;

/** Added to the lead: clock drift and the time the answer takes to be used. */
export const RENEWAL_SAFETY_SECONDS = 10;

/** An access token and what is known of its life. */
export interface TokenLife {
  /** When it expires, in milliseconds since the epoch. */
  readonly expiresAt: number;
  /** The `expires_in` it was issued with, in seconds (L). */
  readonly lifetimeSeconds: number;
}

/** The margin for a token issued with `lifetimeSeconds` of life, in milliseconds: (min(L/4, 300) + 10) s. */
export function renewalMarginMs(lifetimeSeconds: number): number {
  return (Math.min(lifetimeSeconds / 4, MAX_RENEWAL_LEAD_SECONDS) + RENEWAL_SAFETY_SECONDS) * 1000;
}

/** True while `token` has more than its margin left at `now` (milliseconds). */
export function isFreshEnough(token: TokenLife, now: number): boolean {
  return token.expiresAt - now > renewalMarginMs(token.lifetimeSeconds);
}

/** The whole seconds `token` has left at `now`, as `expires_in` says them. */
export function remainingSeconds(token: TokenLife, now: number): number {
  return Math.floor((token.expiresAt - now) / 1000);
}
