import { auth, field } from './auth.ts';

const app = document.querySelector<HTMLElement>('#app')!;
const button = (label: string, onClick: () => void) =>
  Object.assign(document.createElement('button'), { textContent: label, onclick: onClick });

async function render() {
  if (!auth.getSession()) return app.replaceChildren(button('Sign in with Bitbucket', () => auth.signIn()));
  const name = await auth.get('/user', { fields: ['display_name'], check: (json, path) => field(json, path, 'display_name') });
  const heading = Object.assign(document.createElement('h1'), { textContent: `Signed in as ${name}` });
  const list = document.createElement('ul');
  app.replaceChildren(
    heading,
    button('Sign out', () => auth.signOut()),
    list,
  );
  const workspaces = auth.list('/user/workspaces', {
    fields: ['workspace.slug'],
    check: (json, path) => field(json, path, 'workspace', 'slug'),
  });
  for await (const slug of workspaces) {
    const repositories = auth.list(`/repositories/${encodeURIComponent(slug)}`, {
      fields: ['full_name'],
      check: (json, path) => field(json, path, 'full_name'),
    });
    for await (const fullName of repositories) list.append(Object.assign(document.createElement('li'), { textContent: fullName }));
  }
}

auth.onChange(() => void render());
void render();
