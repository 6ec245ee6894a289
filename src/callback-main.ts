/**
 * Entry of the callback page: the core reads the answer, removes it from the address bar and the
 * history entry at once, checks it and keeps the token; this page goes back, or says why not.
 * It loads the core's sign-in part only (no API client) and its own view.
 */
import { createBitbucketSignIn } from 'bitbucket-browser-auth';
import { markArrived } from './arrived.ts';
import { signInOptions } from './browser.ts';
import { completeSignIn } from './callback-page.ts';
import { createFlowRecorder } from './flow-record.ts';
import { mountFlowToggle } from './flow-toggle.ts';

const flow = createFlowRecorder(sessionStorage, Date.now, () => performance.now());
const auth = createBitbucketSignIn(signInOptions(flow));

void completeSignIn(auth, {
  base: import.meta.env.BASE_URL,
  markArrived: () => markArrived(sessionStorage),
  replace: (url) => location.replace(url),
  root: document.getElementById('callback') as HTMLElement,
  heading: document.getElementById('callback-heading') as HTMLElement,
  setTitle: (title) => void (document.title = title),
}).then((completed) => {
  // A failed sign-in can be looked into; a completed one leaves at once.
  if (!completed) mountFlowToggle(document.getElementById('flow') as HTMLElement, flow);
});
