/**
 * Renewal through a token-mediating backend (the relay, RFC 10017 §6.2): the relay keeps the
 * refresh token in an HttpOnly cookie this code never sees; `POST <relay>/token` answers with an
 * access token, the kept one or a fresh one. Ahead of expiry, once on a 401, and at start in a tab
 * that has none; one renewal at a time in a tab, and across tabs (a rotating refresh token must
 * not be spent twice).
 * @see https://datatracker.ietf.org/doc/html/rfc10017 (OAuth 2.0 for Browser-Based Applications)
 */
import { bearer, isLifetime, isToken } from './callback.js';
import type { LiveSession } from './live-session.js';
import type { Credentials, KeyValueStorage } from './session.js';
import type { AuthDeps, RenewalOutcome, RenewalReason } from './types.js';

/**
 * `POST <relay><path>` as the app's own page sends it: the relay's cookie (HttpOnly,
 * SameSite=Strict: sent to the app's own site only) and the static header a cross-site page
 * cannot add without a preflight the relay refuses.
 */
export function relayRequest(deps: AuthDeps & { relay: string }, path: '/token' | '/sign-out', init: RequestInit = {}): Promise<Response> {
  return deps.fetch(`${deps.relay}${path}`, {
    method: 'POST',
    headers: { 'X-Bitbucket-Relay': '1' },
    credentials: 'include',
    referrerPolicy: 'no-referrer',
    // The relay answers itself: a redirect is not its answer, and a relay that hangs must not hold
    // the tab's renewals (and every tab's lock) for ever.
    redirect: 'error',
    signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    ...init,
  });
}

/** How long a request to the relay may take (it may have to call Bitbucket's token endpoint). */
const RELAY_TIMEOUT_MS = 15_000;

/** The margin before expiry at which a token is renewed: a quarter of its lifetime, at most five minutes. */
export function renewalMargin(credentials: Extract<Credentials, { kind: 'bearer' }>): number {
  // A session kept by an older version does not say when its token came: five minutes then.
  const lifetime = credentials.obtainedAt === undefined ? Infinity : credentials.expiresAt - credentials.obtainedAt;
  return Math.min(lifetime / 4, 5 * 60_000);
}

/** After a renewal that failed (the relay unreachable), the next try waits this long at most. */
const RETRY_MS = 30_000;

/** Renewals under way in this page, by storage: one at a time, whichever instance asks. */
const inFlight = new WeakMap<KeyValueStorage, Promise<RenewalOutcome>>();

export interface Renewal {
  /** Asks the relay for a token; settles with how that ended. */
  renew(why: RenewalReason): Promise<RenewalOutcome>;
  /** Renews first when the token is within its margin (and the last try did not fail for it). */
  ensureFresh(): Promise<void>;
  /**
   * Ends the relay's session (`POST /sign-out`), after any renewal under way in any tab, whose
   * answer would set the cookie again; tries twice. True when the relay confirmed it.
   */
  signOut(): Promise<boolean>;
}

/** Renewal for `live`, through the relay at `deps.relay`, on a timer while anyone listens. */
export function createRenewal(deps: AuthDeps & { relay: string }, live: LiveSession): Renewal {
  const lock = deps.lock ?? ((_name, task) => task());
  // The token whose renewal failed, and whether to try again (not after the relay said it has no session).
  let failed: { expiresAt: number; retry: boolean } | undefined;
  let stopTimer = () => {};

  function renew(why: RenewalReason): Promise<RenewalOutcome> {
    let running = inFlight.get(deps.storage);
    if (!running) {
      running = lock(`${deps.storageKey}:renew`, () => run(why)).finally(() => inFlight.delete(deps.storage));
      inFlight.set(deps.storage, running);
    }
    return running;
  }

  async function run(why: RenewalReason): Promise<RenewalOutcome> {
    const before = live.store.credentials();
    const ends = live.ends();
    const answer = await requestToken(deps);
    // Signed out meanwhile (here or in another tab): the token that came must not sign in again.
    if (live.ends() !== ends) answer.outcome = 'signed-out';
    const credentials = answer.outcome === 'renewed' ? answer.credentials : undefined;
    deps.observe?.({
      step: 'renewal',
      why,
      outcome: answer.outcome,
      ...answer.status,
      ...(credentials && { expiresAt: credentials.expiresAt }),
    });
    if (credentials) {
      failed = undefined;
      live.store.saveCredentials(credentials);
      live.changed({ reason: before ? 'renewed' : 'signed-in' });
    } else if (why === 'expiring' && before?.kind === 'bearer' && answer.outcome !== 'signed-out') {
      failed = { expiresAt: before.expiresAt, retry: answer.outcome === 'failed' };
      live.changed({ reason: 'renewal-failed' });
    }
    // A refused token's end, and a tab with no session at start, are their callers' to say.
    return answer.outcome;
  }

  /** While anyone listens: renew at the margin before expiry, or try again a while after a failure. */
  function schedule(): void {
    stopTimer();
    const credentials = live.store.credentials();
    if (credentials?.kind !== 'bearer' || !live.listening()) return;
    const now = deps.now();
    const again = failed?.expiresAt === credentials.expiresAt;
    if (again && !failed?.retry) return;
    const due = again ? now + Math.min(RETRY_MS, (credentials.expiresAt - now) / 2) : credentials.expiresAt - renewalMargin(credentials);
    stopTimer = deps.setTimer(() => void renew('expiring'), Math.max(0, due - now));
  }
  live.onWatch(schedule);

  async function signOut(): Promise<boolean> {
    await inFlight.get(deps.storage);
    return lock(`${deps.storageKey}:renew`, async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await relayRequest(deps, '/sign-out', { keepalive: true }).catch(() => undefined);
        if (response?.ok) return true;
      }
      return false;
    });
  }

  return {
    renew,
    signOut,
    async ensureFresh() {
      const credentials = live.store.credentials();
      if (credentials?.kind !== 'bearer' || failed?.expiresAt === credentials.expiresAt) return;
      if (credentials.expiresAt - deps.now() <= renewalMargin(credentials)) await renew('expiring');
    },
  };
}

/** `POST <relay>/token` with the session cookie and the app's header; the answer checked. */
async function requestToken(
  deps: AuthDeps & { relay: string },
): Promise<{ outcome: RenewalOutcome; status?: { status: number }; credentials?: Extract<Credentials, { kind: 'bearer' }> }> {
  let response: Response;
  try {
    response = await relayRequest(deps, '/token', { cache: 'no-store' });
  } catch {
    return { outcome: 'failed' };
  }
  const status = { status: response.status };
  if (response.status === 401) return { outcome: 'no-session', status };
  const credentials = response.ok ? readTokenAnswer(await response.json().catch(() => {}), deps.now()) : null;
  return credentials ? { outcome: 'renewed', status, credentials } : { outcome: 'failed', status };
}

/** The relay's answer (`{ access_token, token_type, expires_in, scope }`) as credentials, or null when any field is off. */
export function readTokenAnswer(json: unknown, now: number): Extract<Credentials, { kind: 'bearer' }> | null {
  const answer = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const { access_token: token, token_type: type, expires_in: expiresIn, scope } = answer;
  const lifetime = typeof expiresIn === 'number' ? String(expiresIn) : undefined;
  if (!isToken(token) || String(type).toLowerCase() !== 'bearer' || !isLifetime(lifetime)) return null;
  if (scope !== undefined && typeof scope !== 'string') return null;
  return bearer(token, Number(lifetime), scope, now);
}
