/** Entry of the app page: binds the browser to the app, and nothing else. */
import { startApp } from './app.ts';
import { browserConfig, browserSession, whenOnline } from './browser.ts';
import { h } from './dom.ts';
import { createRepositoryCache } from './repo-cache.ts';
import { renderBadUrl } from './views/landing.ts';

const section = document.getElementById('app') as HTMLElement;
const heading = document.getElementById('app-heading') as HTMLElement;
const root = h('div', { class: 'app-body' });
section.append(root);

const result = browserConfig();
if (!result.ok) {
  root.replaceChildren(...result.problems.map(renderBadUrl));
} else {
  const { config } = result;
  if (config.demo) {
    document.getElementById('demo-banner')?.replaceChildren(
      h(
        'div',
        { class: 'banner' },
        h('p', {}, h('strong', {}, 'Demo: '), 'you are signing in to a simulated Bitbucket running on this machine. To use your own Bitbucket OAuth consumer, set ', h('code', {}, 'VITE_BITBUCKET_CLIENT_ID'), ' in ', h('code', {}, '.env'), ' (see the README).'),
      ),
    );
  }
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('bitbucket-starter') : null;
  startApp({
    root,
    heading,
    config,
    session: browserSession(),
    cache: createRepositoryCache(sessionStorage),
    fetch: window.fetch.bind(window),
    location,
    replaceUrl: (url) => history.replaceState(history.state, '', url),
    navigate: (url) => location.assign(url),
    now: Date.now,
    random: (bytes) => crypto.getRandomValues(bytes),
    base: import.meta.env.BASE_URL,
    online: whenOnline,
    schedule: (task) => requestAnimationFrame(task),
    setTimer: (task, ms) => {
      const timer = setTimeout(task, ms);
      return () => clearTimeout(timer);
    },
    ...(channel
      ? {
          channel: {
            post: (message: string) => channel.postMessage(message),
            listen: (handler: (message: string) => void) => channel.addEventListener('message', (event) => handler(String(event.data))),
          },
        }
      : {}),
  });
}
