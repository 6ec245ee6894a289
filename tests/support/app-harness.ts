/** Starts the app in jsdom with fakes for everything outside it. */
import { startApp } from '../../src/app.ts';
import { readConfig, type AppEnv } from '../../src/config.ts';
import { createRepositoryCache } from '../../src/repo-cache.ts';
import { createSessionStore, type Credentials } from '../../src/session.ts';
import { fakeBitbucket, type FakeRepo } from './fake-fetch.ts';
import { memoryStorage } from './memory-storage.ts';
import { loadTemplates } from './page-templates.ts';

export interface HarnessOptions {
  env?: AppEnv;
  credentials?: Credentials | null;
  workspaces?: Record<string, FakeRepo[]>;
  api?: Parameters<typeof fakeBitbucket>[1];
  search?: string;
  hostname?: string;
  storage?: ReturnType<typeof memoryStorage>;
  now?: number;
  /** Runs a task after the next paint (default: a timer). */
  afterPaint?: (task: () => void) => void;
}

export const NOW = Date.parse('2026-11-28T12:00:00Z');

export function startHarness(options: HarnessOptions = {}) {
  document.body.replaceChildren();
  const heading = document.createElement('h1');
  heading.tabIndex = -1;
  const root = document.createElement('div');
  document.body.append(heading, root);
  loadTemplates('index.html');

  let now = options.now ?? NOW;
  const storage = options.storage ?? memoryStorage();
  const session = createSessionStore(storage, () => now);
  const credentials =
    options.credentials === undefined
      ? { kind: 'bearer' as const, accessToken: 'tok', expiresAt: now + 3600e3, scopes: ['account', 'repository'] }
      : options.credentials;
  if (credentials) session.saveCredentials(credentials);

  const hostname = options.hostname ?? 'localhost';
  const config = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'KEY', ...options.env }, hostname);
  if (!config.ok) throw new Error('bad test config');
  const api = fakeBitbucket(options.workspaces ?? {}, options.api ?? {});
  const navigations: string[] = [];
  const urls: string[] = [];
  const timers: Array<{ at: number; task: () => void; cleared: boolean }> = [];
  const posted: string[] = [];
  const channel = {
    postMessage: (message: unknown) => void posted.push(String(message)),
    onmessage: null as ((event: MessageEvent) => void) | null,
  };
  const location = {
    origin: `http://${hostname}:3000`,
    protocol: 'http:',
    hostname,
    pathname: '/',
    search: options.search ?? '',
    hash: '',
  };

  startApp({
    root,
    heading,
    config: config.config,
    session,
    cache: createRepositoryCache(storage),
    fetch: api.fetch,
    location,
    replaceUrl: (url) => {
      urls.push(url);
      location.search = new URL(url, location.origin).search;
    },
    navigate: (url) => void navigations.push(url),
    now: () => now,
    random: (bytes) => bytes.fill(1),
    base: '/',
    offline: () => null,
    schedule: (task) => void queueMicrotask(task),
    afterPaint: options.afterPaint ?? ((task) => void setTimeout(task)),
    defer: (task) => void setTimeout(task),
    setTimer: (task, ms) => {
      const timer = { at: now + ms, task, cleared: false };
      timers.push(timer);
      return () => void (timer.cleared = true);
    },
    channel,
  });

  return {
    root,
    heading,
    storage,
    session,
    requests: api.requests,
    navigations,
    urls,
    posted,
    /** Moves the clock and runs the timers that fall due. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((t) => !t.cleared && t.at <= now)) {
        timer.cleared = true;
        timer.task();
      }
    },
    /** Delivers a message from another tab. */
    fromOtherTab(message: string) {
      channel.onmessage?.(new MessageEvent('message', { data: message }));
    },
  };
}
