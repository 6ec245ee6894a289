/**
 * The session as it lives in a page: read from storage, the same object until it changes, told
 * to listeners when it does, its expiry watched while anyone listens, and a sign-out in another
 * tab heard on the app's channel.
 */
import { createSessionStore, type Credentials, type SessionStore } from './session.js';
import type { AuthDeps, Channel, Session, SessionChange, SessionListener } from './types.js';

/** The longest a timer can wait (about 24.8 days); a later expiry is checked again then. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The session of one instance of the core. */
export interface LiveSession {
  readonly store: SessionStore;
  /** The session now, or null; the same object until it changes. */
  get(): Session | null;
  /** Tells the listeners of a change (and whatever schedules itself by the session). */
  changed(change: SessionChange): void;
  /** Ends the session here, when there is one to end, and tells the listeners why. */
  end(change: SessionChange): void;
  /** How many times the session was ended here: a renewal that began before an end must not undo it. */
  ends(): number;
  /** Listens to the changes; returns the function that stops it. */
  listen(listener: SessionListener): () => void;
  /** Whether anyone listens: timers run only then. */
  listening(): boolean;
  /** Runs `hook` after each change and when listening starts or stops (renewal schedules itself there). */
  onWatch(hook: () => void): void;
  /** Posts `message` to the app's other tabs, and to other instances in this page. */
  tellOtherTabs(message: string): void;
}

export function openLiveSession(deps: AuthDeps): LiveSession {
  const store = createSessionStore(deps.storage, deps.now, deps.storageKey);
  const listeners = new Set<SessionListener>();
  const hooks: Array<() => void> = [];
  let channel: Channel | undefined;
  let stopTimer = () => {};
  let shown: { raw: string | null; session: Session | null } = { raw: null, session: null };
  let ends = 0;

  function get(): Session | null {
    const credentials = store.credentials();
    const raw = credentials && JSON.stringify(credentials);
    if (raw !== shown.raw) shown = { raw, session: credentials && toSession(credentials) };
    return shown.session;
  }

  /** While anyone listens, the expiry is a change they hear of; what schedules itself by the session reschedules. */
  function watch(): void {
    stopTimer();
    for (const hook of hooks) hook();
    const expiresAt = get()?.expiresAt;
    if (expiresAt == null || listeners.size === 0) return;
    // A timer that fires before the expiry (it can wait 24.8 days at most) just waits again.
    const check = () => (get() ? watch() : changed({ reason: 'expired' }));
    stopTimer = deps.setTimer(check, Math.min(expiresAt - deps.now(), MAX_TIMER_MS));
  }

  function changed(change: SessionChange): void {
    const session = get();
    watch();
    for (const listener of listeners) listener(session, change);
  }

  function end(change: SessionChange): void {
    // Counted even with nothing to end: a tab still asking the relay at start was signed out too.
    ends += 1;
    if (!store.credentials() && shown.session === null) return;
    store.clearCredentials();
    changed(change);
  }

  function listen(listener: SessionListener): () => void {
    if (listeners.size === 0) {
      channel = deps.openChannel(deps.storageKey);
      channel?.addEventListener('message', ({ data }) => data === 'signed-out' && end({ reason: 'signed-out-elsewhere' }));
    }
    listeners.add(listener);
    watch();
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      channel?.close();
      channel = undefined;
      watch();
    };
  }

  function tellOtherTabs(message: string): void {
    // Not listening, an instance opens the channel for this one message only.
    const other = channel ?? deps.openChannel(deps.storageKey);
    other?.postMessage(message);
    if (other !== channel) other?.close();
  }

  return {
    store,
    get,
    changed,
    end,
    ends: () => ends,
    listen,
    listening: () => listeners.size > 0,
    onWatch: (hook) => void hooks.push(hook),
    tellOtherTabs,
  };
}

/** What an app may see of credentials: never the token. */
function toSession(credentials: Credentials): Session {
  return credentials.kind === 'bearer'
    ? { kind: 'oauth', expiresAt: credentials.expiresAt, scopes: credentials.scopes }
    : { kind: 'api-token', expiresAt: null, scopes: [] };
}
