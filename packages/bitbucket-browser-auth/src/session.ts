/**
 * The signed-in session, kept in sessionStorage by default (never localStorage): it lives as long
 * as the tab, and no other tab or origin can read it.
 * @see https://datatracker.ietf.org/doc/html/rfc10017 (OAuth 2.0 for Browser-Based Applications: token storage)
 */
import { base64 } from './random.js';

/** The part of the Web Storage API the core uses (sessionStorage in the browser, a Map in tests). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** How the app proves who it acts for: an OAuth access token, or an email and Atlassian API token. */
export type Credentials =
  /** `obtainedAt`: when the token came (its lifetime is `expiresAt - obtainedAt`); absent in a session kept by an older version. */
  | { kind: 'bearer'; accessToken: string; expiresAt: number; obtainedAt?: number; scopes: string[] }
  | { kind: 'basic'; email: string; apiToken: string };

/** A sign-in that has been started: the one-time `state` and where to return afterwards. */
export interface PendingSignIn {
  state: string;
  returnTo: string;
  createdAt: number;
}

/** A pending sign-in older than this is refused: nobody takes ten minutes to press "Grant access". */
export const PENDING_SIGN_IN_LIFETIME_MS = 10 * 60 * 1000;

/** The session store under `prefix`: the credentials (`PREFIX:session`) and the pending sign-in. */
export function createSessionStore(storage: KeyValueStorage, now: () => number, prefix: string) {
  const key = `${prefix}:session`;
  const pendingKey = `${prefix}:pending-sign-in`;
  return {
    /** The storage key the credentials are kept under. */
    key,
    /** The stored credentials, or null when there are none or the token has expired (then removed). */
    credentials(): Credentials | null {
      const credentials = parseCredentials(read(storage, key));
      if (!credentials || (credentials.kind === 'bearer' && credentials.expiresAt <= now())) {
        storage.removeItem(key);
        return null;
      }
      return credentials;
    },
    saveCredentials(credentials: Credentials): void {
      storage.setItem(key, JSON.stringify(credentials));
    },
    clearCredentials(): void {
      storage.removeItem(key);
    },
    savePending(pending: PendingSignIn): void {
      storage.setItem(pendingKey, JSON.stringify(pending));
    },
    /** Returns the pending sign-in and deletes it: a `state` is good for one callback only. */
    takePending(): PendingSignIn | null {
      const pending = parsePending(read(storage, pendingKey));
      storage.removeItem(pendingKey);
      if (!pending || now() - pending.createdAt > PENDING_SIGN_IN_LIFETIME_MS) return null;
      return pending;
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

// Written by the core in this tab; the checks catch an old format or a hand-edited value.
function parseCredentials(value: unknown): Credentials | null {
  const c = value as Record<string, unknown> | null;
  if (c?.kind === 'bearer' && typeof c.accessToken === 'string' && typeof c.expiresAt === 'number' && Array.isArray(c.scopes)) {
    return c as Credentials;
  }
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
