/**
 * The signed-in session, kept in sessionStorage (never localStorage): it lives as long as the
 * tab, and no other tab or origin can read it.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-browser-based-apps/ (token storage in browser apps)
 */

import { base64 } from './random.ts';

/** The part of the Web Storage API the app uses (sessionStorage in the browser, a Map in tests). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** How the app proves who it acts for: an OAuth access token, or an email and Atlassian API token. */
export type Credentials =
  { kind: 'bearer'; accessToken: string; expiresAt: number; scopes: string[] } | { kind: 'basic'; email: string; apiToken: string };

/** A sign-in that has been started: the one-time `state` and where to return afterwards. */
export interface PendingSignIn {
  state: string;
  returnTo: string;
  createdAt: number;
}

/** The sessionStorage key the credentials are kept under. */
export const SESSION_KEY = 'bitbucket-starter:session';
const PENDING_KEY = 'bitbucket-starter:pending-sign-in';
const ARRIVED_KEY = 'bitbucket-starter:just-signed-in';

/** A pending sign-in older than this is refused: nobody takes ten minutes to press "Grant access". */
export const PENDING_SIGN_IN_LIFETIME_MS = 10 * 60 * 1000;

/** The session store: credentials, the pending sign-in, and the "just signed in" mark. */
export function createSessionStore(storage: KeyValueStorage, now: () => number) {
  return {
    /** The stored credentials, or null when there are none or the token has expired (then removed). */
    credentials(): Credentials | null {
      const credentials = parseCredentials(read(storage, SESSION_KEY));
      if (!credentials || (credentials.kind === 'bearer' && credentials.expiresAt <= now())) {
        storage.removeItem(SESSION_KEY);
        return null;
      }
      return credentials;
    },
    saveCredentials(credentials: Credentials): void {
      storage.setItem(SESSION_KEY, JSON.stringify(credentials));
    },
    clearCredentials(): void {
      storage.removeItem(SESSION_KEY);
    },
    savePending(pending: PendingSignIn): void {
      storage.setItem(PENDING_KEY, JSON.stringify(pending));
    },
    /** Returns the pending sign-in and deletes it: a `state` is good for one callback only. */
    takePending(): PendingSignIn | null {
      const pending = parsePending(read(storage, PENDING_KEY));
      storage.removeItem(PENDING_KEY);
      if (!pending || now() - pending.createdAt > PENDING_SIGN_IN_LIFETIME_MS) return null;
      return pending;
    },
    markArrived(): void {
      storage.setItem(ARRIVED_KEY, '1');
    },
    /** True once after a successful callback, so the app can move focus to its heading. */
    takeArrived(): boolean {
      const arrived = storage.getItem(ARRIVED_KEY) === '1';
      storage.removeItem(ARRIVED_KEY);
      return arrived;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

function read(storage: KeyValueStorage, key: string): unknown {
  const text = storage.getItem(key);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// Written by this app in this tab; the checks catch an old format or a hand-edited value.
function parseCredentials(value: unknown): Credentials | null {
  const c = value as Record<string, unknown> | null;
  if (c?.kind === 'bearer' && typeof c.accessToken === 'string' && typeof c.expiresAt === 'number') return c as Credentials;
  if (c?.kind === 'basic' && typeof c.email === 'string' && typeof c.apiToken === 'string') return c as Credentials;
  return null;
}

function parsePending(value: unknown): PendingSignIn | null {
  const p = value as Record<string, unknown> | null;
  return typeof p?.state === 'string' && typeof p.returnTo === 'string' && typeof p.createdAt === 'number'
    ? (p as unknown as PendingSignIn)
    : null;
}

/** The `Authorization` header value for the credentials: the only place the token ever goes. */
export function authorizationHeader(credentials: Credentials): string {
  if (credentials.kind === 'bearer') return `Bearer ${credentials.accessToken}`;
  return `Basic ${base64(new TextEncoder().encode(`${credentials.email}:${credentials.apiToken}`))}`;
}
