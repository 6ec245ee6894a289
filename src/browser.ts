/** The real browser bindings the entry files hand to the app: the only place globals are read. */
import { readConfig, type ConfigResult } from './config.ts';
import { createSessionStore } from './session.ts';

/** The app's configuration as built by Vite. */
export function browserConfig(): ConfigResult {
  return readConfig(import.meta.env, location.hostname);
}

/** The session store on this tab's sessionStorage and the real clock. */
export function browserSession() {
  return createSessionStore(sessionStorage, Date.now);
}

/** Resolves when the browser is (back) online. */
export function whenOnline(signal?: AbortSignal): Promise<void> {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      removeEventListener('online', done);
      reject(signal?.reason);
    };
    addEventListener('online', done, { once: true });
    signal?.addEventListener('abort', abort, { once: true });
  });
}
