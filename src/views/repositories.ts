/**
 * The signed-in view: who is signed in, the filters, the status line and the repository list.
 * Built once and then updated, so typing in the filter never loses focus.
 */
import type { Repository, User } from '../api-shapes.ts';
import { h } from '../dom.ts';
import type { Message } from '../messages.ts';
import { isFiltering, type ListQuery } from '../repo-filter.ts';

export interface RepositoryViewHandlers {
  onSignOut: () => void;
  onQuery: (query: ListQuery) => void;
  onRetry: () => void;
  onRetryWorkspace: (slug: string) => void;
  onReconnect: () => void;
}

export interface RepositoryViewState {
  user: User | null;
  loading: boolean;
  /** Repositories loaded so far (all, not only those matching). */
  total: number;
  /** The repositories matching the query, in order. */
  matches: Repository[];
  query: ListQuery;
  workspaces: Array<{ slug: string; name: string }>;
  languages: string[];
  /** A failure that stopped loading. */
  error: Message | null;
  workspaceErrors: Array<{ slug: string; message: Message }>;
  /** What the app is waiting for (a retry after a 429, the network…), or ''. */
  notice: string;
  /** Minutes until the session ends, when it ends soon. */
  endsInMinutes: number | null;
}

/** How many repositories are put in the page at first, and at each "Show more". */
export const RENDER_STEP = 500;

/** Builds the signed-in view in `root`; returns the function that brings it up to date. */
export function mountRepositoryView(root: HTMLElement, handlers: RepositoryViewHandlers, now: () => number) {
  const name = h('strong', { dir: 'auto' });
  const warning = h('div', { class: 'session-warning', 'aria-live': 'polite' });
  const notice = h('p', { class: 'repo-notice', 'aria-live': 'polite' });
  const errors = h('div');
  const status = h('p', { role: 'status', class: 'repo-status' });
  const list = h('ul', { role: 'list', 'aria-label': 'Repositories', class: 'repo-list' });
  const more = h('div', { class: 'actions' });
  const empty = h('p', { class: 'empty', hidden: true });

  const search = h('input', { id: 'repo-filter', type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const sort = select('repo-sort', [['updated', 'Last updated'], ['name', 'Name']]);
  const workspace = select('repo-workspace', []);
  const visibility = select('repo-visibility', [['', 'All'], ['private', 'Private'], ['public', 'Public']]);
  const language = select('repo-language', []);

  let state: RepositoryViewState | null = null;
  let limit = RENDER_STEP;
  const items = new Map<Repository, HTMLLIElement>();
  const readQuery = (): ListQuery => ({
    text: search.value,
    sort: sort.value === 'name' ? 'name' : 'updated',
    workspace: workspace.value,
    visibility: visibility.value === 'private' || visibility.value === 'public' ? visibility.value : '',
    language: language.value,
  });
  const changed = () => {
    limit = RENDER_STEP;
    handlers.onQuery(readQuery());
  };
  search.addEventListener('input', changed);
  for (const control of [sort, workspace, visibility, language]) control.addEventListener('change', changed);

  root.replaceChildren(
    h(
      'div',
      { class: 'account' },
      h('p', {}, 'Signed in as ', name),
      h('button', { type: 'button', class: 'secondary', onclick: handlers.onSignOut }, 'Sign out'),
    ),
    warning,
    h(
      'section',
      { 'aria-labelledby': 'repos-heading' },
      h('h2', { id: 'repos-heading' }, 'Your repositories'),
      h(
        'div',
        { class: 'toolbar', role: 'search' },
        field('repo-filter', 'Filter repositories', search, 'search'),
        field('repo-sort', 'Sort by', sort),
        field('repo-workspace', 'Workspace', workspace),
        field('repo-visibility', 'Visibility', visibility),
        field('repo-language', 'Language', language),
      ),
      errors,
      status,
      notice,
      empty,
      list,
      more,
    ),
  );

  /** Brings the view up to date with `next`. */
  return function update(next: RepositoryViewState): void {
    const previous = state;
    state = next;
    name.textContent = next.user?.display_name ?? '…';

    if (document.activeElement !== search && search.value !== next.query.text) search.value = next.query.text;
    sort.value = next.query.sort;
    if (previous?.workspaces !== next.workspaces) {
      setOptions(workspace, [['', 'All workspaces'], ...next.workspaces.map((w): [string, string] => [w.slug, w.name])], next.query.workspace);
    }
    if (previous?.languages !== next.languages) {
      setOptions(language, [['', 'All languages'], ...next.languages.map((l): [string, string] => [l, l])], next.query.language);
    }
    workspace.value = next.query.workspace;
    visibility.value = next.query.visibility;
    language.value = next.query.language;

    warning.replaceChildren(
      next.endsInMinutes === null
        ? ''
        : h(
            'p',
            { class: 'notice warning' },
            `Your Bitbucket session ends in ${next.endsInMinutes} ${next.endsInMinutes === 1 ? 'minute' : 'minutes'} — `,
            h('button', { type: 'button', class: 'secondary', onclick: handlers.onReconnect }, 'Reconnect'),
          ),
    );
    if (previous?.error !== next.error || previous?.workspaceErrors !== next.workspaceErrors) {
      errors.replaceChildren(
        next.error ? errorNotice(next.error, h('button', { type: 'button', onclick: handlers.onRetry }, 'Retry')) : '',
        ...next.workspaceErrors.map(({ slug, message }) =>
          errorNotice(
            { title: `${message.title} (workspace ${slug})`, body: message.body },
            h('button', { type: 'button', onclick: () => handlers.onRetryWorkspace(slug) }, `Retry ${slug}`),
          ),
        ),
      );
    }
    notice.textContent = next.notice;
    status.textContent = statusText(next);
    list.setAttribute('aria-busy', String(next.loading));
    empty.hidden = next.loading || next.matches.length > 0 || next.error !== null;
    empty.textContent = next.total === 0 ? 'You have no repositories yet, or none you can see.' : 'No repository matches these filters.';

    if (previous?.matches !== next.matches || list.childElementCount !== Math.min(limit, next.matches.length)) renderList(next.matches);
  };

  function renderList(matches: Repository[]): void {
    const shown = matches.slice(0, limit);
    list.replaceChildren(...shown.map(item));
    const rest = matches.length - shown.length;
    more.replaceChildren(
      rest > 0
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                limit += RENDER_STEP;
                renderList(matches);
              },
            },
            `Show ${Math.min(rest, RENDER_STEP)} more (${rest} not shown)`,
          )
        : '',
    );
  }

  function item(repo: Repository): HTMLLIElement {
    let element = items.get(repo);
    if (!element) {
      element = renderRepository(repo, now());
      items.set(repo, element);
    }
    return element;
  }
}

function statusText(state: RepositoryViewState): string {
  if (state.loading) return state.total === 0 ? 'Loading repositories…' : `Loading repositories: ${state.total} so far…`;
  if (state.error && state.total === 0) return 'Repositories could not be loaded.';
  const count = (n: number) => `${n} ${n === 1 ? 'repository' : 'repositories'}`;
  return isFiltering(state.query) ? `${state.matches.length} of ${count(state.total)}` : count(state.total);
}

function errorNotice(message: Message, action: HTMLElement): HTMLElement {
  return h('div', { class: 'notice error', role: 'alert' }, h('h3', {}, message.title), h('p', {}, message.body), h('div', { class: 'actions' }, action));
}

function field(id: string, label: string, control: HTMLElement, extraClass = ''): HTMLElement {
  return h('div', { class: `field ${extraClass}`.trim() }, h('label', { for: id }, label), control);
}

function select(id: string, options: Array<[string, string]>): HTMLSelectElement {
  const element = h('select', { id });
  setOptions(element, options, options[0]?.[0] ?? '');
  return element;
}

function setOptions(element: HTMLSelectElement, options: Array<[string, string]>, value: string): void {
  element.replaceChildren(...options.map(([optionValue, label]) => h('option', { value: optionValue }, label)));
  element.value = value;
}

const DESCRIPTION_LIMIT = 400;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** One repository as a list item: every piece of Bitbucket's text goes in as text. */
export function renderRepository(repo: Repository, now: number): HTMLLIElement {
  const updated = new Date(repo.updated_on);
  const description = repo.description.length > DESCRIPTION_LIMIT ? `${repo.description.slice(0, DESCRIPTION_LIMIT)}…` : repo.description;
  return h(
    'li',
    { class: 'repo' },
    repo.html_href
      ? h('a', { class: 'repo-name', href: repo.html_href, dir: 'auto' }, repo.name)
      : h('span', { class: 'repo-name', dir: 'auto' }, repo.name),
    h(
      'p',
      { class: 'repo-meta' },
      h('span', { dir: 'auto' }, repo.workspace.name),
      h('span', { class: 'badge' }, repo.is_private ? 'Private' : 'Public'),
      repo.language ? h('span', {}, repo.language) : '',
      h('span', {}, 'Updated ', h('time', { datetime: updated.toISOString(), title: dateFormat.format(updated) }, relativeTime(updated.getTime(), now))),
    ),
    description ? h('p', { class: 'repo-description', dir: 'auto' }, description) : '',
  );
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600e3],
  ['month', 30 * 24 * 3600e3],
  ['week', 7 * 24 * 3600e3],
  ['day', 24 * 3600e3],
  ['hour', 3600e3],
  ['minute', 60e3],
];

/** "3 days ago", "last month"… in the reader's language. */
export function relativeTime(time: number, now: number): string {
  const elapsed = time - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(elapsed) >= size) return relativeFormat.format(Math.round(elapsed / size), unit);
  }
  return relativeFormat.format(0, 'minute');
}
