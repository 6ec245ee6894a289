import { auth, repositoryNames, userName } from './auth.ts';

const app = document.querySelector<HTMLElement>('#app')!;
const element = <K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]>) =>
  Object.assign(document.createElement(tag), properties);

async function render(signal: AbortSignal) {
  if (!auth.getSession()) {
    return app.replaceChildren(element('button', { textContent: 'Sign in with Bitbucket', onclick: () => auth.signIn() }));
  }
  const heading = element('h1', { textContent: `Signed in as ${await userName(signal)}` });
  const list = element('ul', {});
  app.replaceChildren(heading, element('button', { textContent: 'Sign out', onclick: () => auth.signOut() }), list);
  for await (const fullName of repositoryNames(signal)) list.append(element('li', { textContent: fullName }));
}

// Each change of the session draws the page again, and stops the requests the last drawing left in flight.
let stop = new AbortController();
function show() {
  stop.abort();
  stop = new AbortController();
  const { signal } = stop;
  render(signal).catch((error: unknown) => signal.aborted || console.error(error));
}
auth.onChange(show);
show();
