/** Starts the app in jsdom with fakes for everything outside it. */
import { createSignIn } from '../../packages/bitbucket-browser-auth/src/sign-in.ts';
import { createSessionStore, type Credentials } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { takeArrived } from '../../src/arrived.ts';
import { startApp } from '../../src/app.ts';
import { readConfig, type AppEnv } from '../../src/config.ts';
import { createRepositoryCache } from '../../src/repo-cache.ts';
import { channelHub, fakeClock, fakeCore } from './core.ts';
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

  const clock = fakeClock(options.now ?? NOW);
  const storage = options.storage ?? memoryStorage();
  const session = createSessionStore(storage, clock.now, 'bitbucket-starter');
  const credentials =
    options.credentials === undefined
      ? { kind: 'bearer' as const, accessToken: 'tok', expiresAt: clock.now() + 3600e3, scopes: ['account', 'repository'] }
      : options.credentials;
  if (credentials) session.saveCredentials(credentials);

  const hostname = options.hostname ?? 'localhost';
  const config = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'KEY', ...options.env }, hostname);
  if (!config.ok) throw new Error('bad test config');
  const api = fakeBitbucket(options.workspaces ?? {}, options.api ?? {});
  const urls: string[] = [];
  const hub = channelHub();
  const core = fakeCore({
    url: `http://${hostname}:3000/${options.search ?? ''}`,
    clock,
    hub,
    storage,
    storageKey: 'bitbucket-starter',
    clientId: config.config.clientId,
    authorizeUrl: config.config.authorizeUrl.href,
    apiUrl: config.config.apiUrl,
    fetch: api.fetch,
    random: (bytes) => bytes.fill(1),
    offline: () => null,
  });
  const location = core.page;

  startApp({
    root,
    heading,
    config: config.config,
    auth: createSignIn(core.deps),
    cache: createRepositoryCache(storage),
    location,
    replaceUrl: (url) => {
      urls.push(url);
      location.search = new URL(url, location.origin).search;
    },
    now: clock.now,
    arrived: () => takeArrived(storage),
    schedule: (task) => void queueMicrotask(task),
    afterPaint: options.afterPaint ?? ((task) => void setTimeout(task)),
    defer: (task) => void setTimeout(task),
    setTimer: clock.setTimer,
  });
  const otherTab = hub.open('bitbucket-starter');

  return {
    root,
    heading,
    storage,
    session,
    requests: api.requests,
    navigations: core.navigations,
    urls,
    posted: hub.posted,
    /** Moves the clock and runs the timers that fall due. */
    advance: clock.advance,
    /** Delivers a message from another tab. */
    fromOtherTab(message: string) {
      otherTab.postMessage(message);
    },
  };
}
