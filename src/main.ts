/** Entry of the app page: binds the browser to the app, and nothing else. */
import { createBitbucketSignIn } from 'bitbucket-browser-auth';
import { startApp } from './app.ts';
import { takeArrived } from './arrived.ts';
import { browserConfig, signInOptions } from './browser.ts';
import { createFlowRecorder } from './flow-record.ts';
import { mountFlowToggle } from './flow-toggle.ts';
import { createRepositoryCache } from './repo-cache.ts';
import { problemMessage, renderNotice } from './views/landing.ts';

const root = document.getElementById('app-body') as HTMLElement;
const heading = document.getElementById('app-heading') as HTMLElement;
const flow = createFlowRecorder(sessionStorage, Date.now, () => performance.now());
mountFlowToggle(document.getElementById('flow') as HTMLElement, flow);

// Work that may wait for what is more urgent (answers from the network, input, rendering): at
// background priority where the browser ranks tasks (scheduler.postTask), so that an answer which
// makes requests known is read before the pages already in are checked and rendered; elsewhere as
// a message, after the tasks already waiting. Not a timer: timers in a background tab may wait a second.
const deferred: Array<() => void> = [];
const port = new MessageChannel();
port.port1.onmessage = () => deferred.shift()?.();
const later = (task: () => void): void => {
  if (window.scheduler) return void scheduler.postTask(task, { priority: 'background' });
  deferred.push(task);
  port.port2.postMessage(null);
};

const result = browserConfig();
if (!result.ok) {
  root.replaceChildren(...result.problems.map((problem) => renderNotice({ kind: 'alert', message: problemMessage(problem) })));
} else {
  const { config } = result;
  (document.getElementById('demo-banner') as HTMLElement).hidden = !config.demo;
  startApp({
    root,
    heading,
    config,
    // The sign-in part now; the API part comes with the signed-in view (src/signed-in.ts).
    auth: createBitbucketSignIn({
      ...signInOptions(flow),
      authorizeUrl: config.authorizeUrl.href,
      apiUrl: config.apiUrl,
      // With a relay on the app's site: sessions renewed through it, and a new tab signed in with no redirect.
      ...(config.relayUrl ? { relay: config.relayUrl } : {}),
      fetch: flow.recordFetch(window.fetch.bind(window)),
    }),
    cache: createRepositoryCache(sessionStorage),
    location,
    replaceUrl: (url) => history.replaceState(null, '', url),
    now: Date.now,
    arrived: () => takeArrived(sessionStorage),
    schedule: (task) => requestAnimationFrame(task),
    afterPaint: (task) => requestAnimationFrame(() => later(task)),
    defer: later,
    setTimer: (task, ms) => {
      const timer = setTimeout(task, ms);
      return () => clearTimeout(timer);
    },
  });
}
