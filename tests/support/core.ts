/**
 * The sign-in core's side effects as fakes: a page at a URL, a clock with timers, storage, the
 * channels between tabs, and what the core did with them (navigations, clearing the address).
 */
import type { AuthDeps, Channel } from '../../packages/bitbucket-browser-auth/src/types.ts';
import { memoryStorage } from './memory-storage.ts';

/** BroadcastChannels between fake tabs: a message reaches every other open channel of the same name, at once. */
export function channelHub() {
  const open = new Set<{ name: string; listeners: Set<(event: MessageEvent) => void> }>();
  const posted: unknown[] = [];
  return {
    posted,
    /** Channels open now. */
    get size() {
      return open.size;
    },
    open(name: string): Channel {
      const self = { name, listeners: new Set<(event: MessageEvent) => void>() };
      open.add(self);
      return {
        postMessage(message: unknown) {
          posted.push(message);
          for (const other of open) {
            if (other !== self && other.name === name)
              for (const listener of other.listeners) listener(new MessageEvent('message', { data: message }));
          }
        },
        close: () => void open.delete(self),
        addEventListener: ((type: string, listener: (event: MessageEvent) => void) => {
          if (type === 'message') self.listeners.add(listener);
        }) as Channel['addEventListener'],
      };
    },
  };
}

/** A clock whose timers run when it is advanced. */
export function fakeClock(start: number) {
  let now = start;
  const timers: Array<{ at: number; task: () => void; cleared: boolean }> = [];
  return {
    now: () => now,
    setTimer(task: () => void, ms: number) {
      const timer = { at: now + ms, task, cleared: false };
      timers.push(timer);
      return () => void (timer.cleared = true);
    },
    /** Moves the clock and runs the timers that fall due, in order. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((t) => !t.cleared && t.at <= now).sort((a, b) => a.at - b.at)) {
        timer.cleared = true;
        timer.task();
      }
    },
    pending: () => timers.filter((t) => !t.cleared),
  };
}

export interface FakeCoreOptions extends Partial<AuthDeps> {
  /** The page's URL (default http://localhost:3000/). */
  url?: string;
  clock?: ReturnType<typeof fakeClock>;
  hub?: ReturnType<typeof channelHub>;
}

/** Everything the core needs, faked; `deps` is what `createAuth` and `createSignIn` take. */
export function fakeCore(options: FakeCoreOptions = {}) {
  const {
    url = 'http://localhost:3000/',
    clock = fakeClock(Date.parse('2026-11-28T12:00:00Z')),
    hub = channelHub(),
    ...overrides
  } = options;
  const page = new URL(url);
  const navigations: string[] = [];
  let cleared = 0;
  const storage = memoryStorage();
  const deps: AuthDeps = {
    clientId: 'KEY',
    redirectUri: `${page.origin}/oauth-callback`,
    authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
    apiUrl: 'https://api.bitbucket.org/2.0',
    storage,
    storageKey: 'app',
    fetch: () => Promise.reject(new TypeError('no fetch in this test')),
    now: clock.now,
    random: (bytes) => bytes.fill(7),
    page: () => page,
    navigate: (to) => void navigations.push(to),
    clearUrl: () => {
      cleared++;
      page.search = '';
      page.hash = '';
    },
    openChannel: hub.open,
    setTimer: clock.setTimer,
    ...overrides,
  };
  return {
    deps,
    storage,
    clock,
    hub,
    page,
    navigations,
    /** How many times the core cleared the address bar. */
    cleared: () => cleared,
  };
}
