/**
 * A repository's branches, under its entry in the list. Loaded on demand (the repository view
 * imports this module when a "Branches" button is first pressed); renders only: the branches
 * come from the `load` it is handed.
 */
import type { Branch } from '../api.ts';
import { ApiError } from 'bitbucket-browser-auth';
import { fromTemplate, part } from '../dom.ts';
import { apiMessage } from '../messages.ts';
import { renderNotice } from './landing.ts';

/**
 * Shows the branches of `fullName` in `container`: loading, then the list, "no branches", or the
 * error. Each state is said in the container's status line, so a screen reader hears it.
 */
export async function showBranches(container: HTMLElement, fullName: string, load: () => Promise<Branch[]>): Promise<void> {
  const view = fromTemplate('tpl-branches');
  const status = part(view, 'status');
  const list = part(view, 'list');
  list.setAttribute('aria-label', `Branches of ${fullName}`);
  container.replaceChildren(view);
  status.textContent = `Loading the branches of ${fullName}…`;
  let branches: Branch[];
  try {
    branches = await load();
  } catch (error) {
    status.textContent = '';
    list.replaceWith(renderNotice({ kind: 'alert', message: error instanceof ApiError ? apiMessage(error) : { id: 'UNEXPECTED' } }));
    return;
  }
  const count = branches.length;
  status.textContent = count === 0 ? `${fullName} has no branches.` : `${count} branch${count === 1 ? '' : 'es'}`;
  list.hidden = count === 0;
  list.append(
    ...branches.map(({ name }) => {
      const item = document.createElement('li');
      item.textContent = name;
      return item;
    }),
  );
}
