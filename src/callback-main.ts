/**
 * Entry of the callback page. Its first import takes the token out of the address bar and the
 * history entry, before anything else can read or leak it; then the answer is checked.
 */
import { arrivedUrl } from './clear-fragment.ts';
import { browserSession } from './browser.ts';
import { completeSignIn } from './callback-page.ts';
import { createFlowRecorder } from './flow-record.ts';
import { mountFlowToggle } from './flow-toggle.ts';

const flow = createFlowRecorder(sessionStorage, Date.now, () => performance.now());

const completed = completeSignIn({
  url: arrivedUrl,
  session: browserSession(),
  flow,
  now: Date.now,
  origin: location.origin,
  base: import.meta.env.BASE_URL,
  replace: (url) => location.replace(url),
  root: document.getElementById('callback') as HTMLElement,
  heading: document.getElementById('callback-heading') as HTMLElement,
  setTitle: (title) => void (document.title = title),
});
// A failed sign-in can be looked into; a completed one leaves at once.
if (!completed) mountFlowToggle(document.getElementById('flow') as HTMLElement, flow);
