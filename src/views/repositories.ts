/**
 * The signed-in view: who is signed in, the filters, the status line and the repository list.
 * Its structure is the `tpl-signed-in` template in index.html; this module fills it in, and
 * then keeps it up to date, so typing in the filter never loses focus.
 */
import type { Repository } from '../api-shapes.ts';
import { button, fromTemplate, part } from '../dom.ts';
import { renderMessage } from '../messages.ts';
import { isFiltering, readListQuery, type ListQuery } from '../repo-filter.ts';
import type { RepositoryListState } from '../repository-store.ts';
import type { Branch } from '../api.ts';
import { renderNotice } from './landing.ts';

export interface RepositoryViewHandlers {
  onSignOut: () => void;
  onQuery: (query: ListQuery) => void;
  onRetry: () => void;
  onRetryWorkspace: (slug: string) => void;
  onReconnect: () => void;
  /** Loads a repository's branches (the "Branches" button of its entry). */
  onBranches: (repo: Repository) => Promise<Branch[]>;
}

/** The list's state, and how long the session has left. */
export interface RepositoryViewState extends RepositoryListState {
  /** Minutes until the session ends, when it ends soon. */
  endsInMinutes: number | null;
}

/** What the view needs from outside: the clock, and when to add more to the page. */
export interface RepositoryViewDeps {
  now: () => number;
  /** Runs a task after the next frame is painted (the rest of a long list goes in there). */
  afterPaint: (task: () => void) => void;
}

/** How many repositories are put in the page at first, and at each "Show more". */
export const RENDER_STEP = 500;
/** How many go in at once; the rest follow after the next frame is painted, so typing stays quick. */
const FIRST_CHUNK = 40;

/** Builds the signed-in view in `root`; returns the function that brings it up to date. */
export function mountRepositoryView(root: HTMLElement, handlers: RepositoryViewHandlers, { now, afterPaint }: RepositoryViewDeps) {
  const view = fromTemplate('tpl-signed-in');
  const user = part(view, 'user');
  const warning = part(view, 'warning');
  const minutes = part(view, 'minutes');
  const form = part(view, 'filters') as HTMLFormElement;
  const errors = part(view, 'errors');
  const status = part(view, 'status');
  const notice = part(view, 'notice');
  const empty = part(view, 'empty');
  const none = part(view, 'none');
  const noMatch = part(view, 'no-match');
  let list = part(view, 'list');
  const more = part(view, 'more');
  const heading = part(view, 'heading');
  // A Retry button goes away when clicked: focus moves to the heading above the list it reloads.
  const retry = (action: () => void) => () => {
    action();
    heading.focus();
  };
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

  // The first layout of a repository entry loads the fonts of its text, which in Chromium on
  // Linux took 40 ms of a 48 ms layout: long enough to hold back the next requests of the other
  // workspaces, whose first pages arrive in the same moment. A sample entry, laid out but never
  // shown, pays for it while the first pages are still on their way.
  let warmUp: HTMLElement | null = sampleEntry(now());
  list.after(warmUp);

  let state: RepositoryViewState | null = null;
  let limit = RENDER_STEP;
  let generation = 0;
  // Whether the list has all it should show (up to `limit`), or only its first chunk until the next paint.
  let filled = false;
  const items = new Map<Repository, HTMLLIElement>();

  // The form's field names are the URL's query parameters, so reading it is reading a query string.
  const readForm = () => readListQuery(new URLSearchParams([...new FormData(form)].map(([key, value]) => [key, String(value)])).toString());
  const changed = () => {
    const query = readForm();
    if (state && JSON.stringify(query) === JSON.stringify(state.query)) return;
    limit = RENDER_STEP;
    handlers.onQuery(query);
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', (event) => event.preventDefault());
  part(view, 'sign-out').addEventListener('click', handlers.onSignOut);
  part(view, 'reconnect').addEventListener('click', handlers.onReconnect);
  root.replaceChildren(view);

  /** Brings the view up to date with `next`. */
  return function update(next: RepositoryViewState): void {
    const previous = state;
    state = next;
    user.textContent = next.user?.display_name ?? (next.userError ? 'unknown' : '…');

    if (previous?.workspaces !== next.workspaces) {
      setOptions(
        field('workspace') as HTMLSelectElement,
        'All workspaces',
        next.workspaces.map((w) => [w.slug, w.name]),
      );
    }
    if (previous?.languages !== next.languages) {
      setOptions(
        field('language') as HTMLSelectElement,
        'All languages',
        next.languages.map((l) => [l, l]),
      );
    }
    // Each form field is named after its query key; the one being used is left as the user has it.
    for (const [key, value] of Object.entries(next.query)) {
      const control = field(key);
      if (control !== document.activeElement) control.value = value;
    }

    warning.hidden = next.endsInMinutes === null;
    minutes.textContent = `${next.endsInMinutes} minute${next.endsInMinutes === 1 ? '' : 's'}`;
    if (
      previous?.error !== next.error ||
      previous?.workspaceErrors !== next.workspaceErrors ||
      previous?.stops !== next.stops ||
      previous?.userError !== next.userError
    ) {
      errors.replaceChildren(
        next.error ? renderNotice({ kind: 'alert', message: next.error }, button('Retry', retry(handlers.onRetry))) : '',
        next.userError
          ? renderNotice(
              { kind: 'alert', message: next.userError },
              'Your name could not be loaded, so it shows as unknown; the list is complete.',
            )
          : '',
        ...next.stops.map((message) => renderNotice({ kind: 'alert', message })),
        ...next.workspaceErrors.map(({ slug, message }) =>
          renderNotice(
            { kind: 'alert', message },
            `In workspace ${slug}`,
            button(
              `Retry ${slug}`,
              retry(() => handlers.onRetryWorkspace(slug)),
            ),
          ),
        ),
      );
    }
    if (previous?.notice !== next.notice) notice.replaceChildren(next.notice ? renderMessage(next.notice) : '');
    status.textContent = statusText(next);
    list.setAttribute('aria-busy', String(next.loading));
    empty.hidden = next.loading || next.matches.length > 0 || next.error !== null;
    none.hidden = next.total > 0;
    noMatch.hidden = next.total === 0;

    if (previous?.matches !== next.matches) renderList(next.matches, previous?.query === next.query);
  };

  /**
   * Shows the first `limit` of `matches`. The same query with more repositories (a page came in)
   * changes only what differs, so entries stay put (and focus in them); a new query, or a full
   * list mostly new (a refresh), is a fresh list, its first entries at once and the rest after
   * the next paint. Until then only the first entries are kept up to date, which is quick.
   */
  function renderList(matches: Repository[], sameQuery: boolean): void {
    const shown = matches.slice(0, filled ? limit : FIRST_CHUNK);
    if (shown.length > 0) {
      warmUp?.remove();
      warmUp = null;
    }
    const kept = () => shown.filter((repo) => items.get(repo)?.parentNode === list).length;
    if (sameQuery && (!filled || kept() * 2 >= shown.length)) {
      reconcile(shown);
    } else {
      const current = ++generation;
      // A fresh list swapped in for the old one: one detach instead of hundreds of removals.
      const fresh = list.cloneNode(false) as HTMLElement;
      fresh.append(...matches.slice(0, FIRST_CHUNK).map(item));
      list.replaceWith(fresh);
      list = fresh;
      filled = matches.length <= FIRST_CHUNK;
      if (!filled) {
        afterPaint(() => {
          if (current !== generation) return;
          // The matches of now: pages may have come in since the first chunk went in.
          reconcile((state?.matches ?? matches).slice(0, limit));
          filled = true;
        });
      }
    }
    showMoreButton(matches);
  }

  /** Makes the list show `wanted`, in order, removing and adding entries only where they differ. */
  function reconcile(wanted: Repository[]): void {
    const keep = new Set(wanted.map(item));
    for (const child of [...list.children]) if (!keep.has(child as HTMLLIElement)) child.remove();
    // What stays keeps its order (the list's order is total): new entries go in between.
    let next = list.firstElementChild;
    for (const element of keep) {
      if (element === next) next = next.nextElementSibling;
      else list.insertBefore(element, next);
    }
  }

  /** "Show more" adds the next repositories below those shown, and moves focus to the first of them. */
  function showMoreButton(matches: Repository[]): void {
    const rest = matches.length - limit;
    const showMore = () => {
      const first = matches[limit];
      limit += RENDER_STEP;
      reconcile(matches.slice(0, limit));
      filled = true;
      if (first) item(first).querySelector('a')?.focus();
      showMoreButton(matches);
    };
    more.replaceChildren(rest > 0 ? button(`Show ${Math.min(rest, RENDER_STEP)} more (${rest} not shown)`, showMore, 'secondary') : '');
  }

  function item(repo: Repository): HTMLLIElement {
    let element = items.get(repo);
    if (!element) items.set(repo, (element = renderRepository(repo, now(), () => handlers.onBranches(repo))));
    return element;
  }
}

function statusText(state: RepositoryViewState): string {
  if (state.loading) return state.total === 0 ? 'Loading repositories…' : `Loading repositories: ${state.total} so far…`;
  if (state.error && state.total === 0) return 'Repositories could not be loaded.';
  const count = (n: number) => `${n} repositor${n === 1 ? 'y' : 'ies'}`;
  return isFiltering(state.query) ? `${state.matches.length} of ${count(state.total)}` : count(state.total);
}

function setOptions(select: HTMLSelectElement, all: string, options: Array<[string, string]>): void {
  select.replaceChildren(new Option(all, ''), ...options.map(([value, label]) => new Option(label, value)));
}

/** An entry with text in each of an entry's styles, in a list hidden from everyone (see its use). */
function sampleEntry(now: number): HTMLElement {
  const sample: Repository = {
    name: 'Repository',
    full_name: 'workspace/repository',
    workspace: { slug: 'workspace', name: 'Workspace' },
    is_private: true,
    language: 'TypeScript',
    description: 'A description of the repository.',
    updated_on: new Date(now).toISOString(),
    html_href: null,
  };
  const list = document.createElement('ul');
  list.className = 'font-warm-up';
  list.setAttribute('aria-hidden', 'true');
  list.inert = true;
  list.append(renderRepository(sample, now, () => Promise.resolve([])));
  return list;
}

const DESCRIPTION_LIMIT = 400;
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/**
 * One repository as a list item: every piece of Bitbucket's text goes in as text. Its "Branches"
 * button shows and hides the branches, loading their view (and them) when first pressed.
 */
export function renderRepository(repo: Repository, now: number, loadBranches: () => Promise<Branch[]>): HTMLLIElement {
  const item = fromTemplate('tpl-repository').firstElementChild as HTMLLIElement;
  const toggle = part(item, 'branches-toggle');
  const branches = part(item, 'branches');
  let open = false;
  let shown: Promise<void> | null = null;
  toggle.addEventListener('click', () => {
    toggle.setAttribute('aria-expanded', String((open = !open)));
    branches.hidden = !open;
    shown ??= import('./branches.ts').then((view) =>
      view.showBranches(branches, repo.full_name, () =>
        // Branches that could not be had are asked for again at the next press.
        loadBranches().catch((error: unknown) => {
          shown = null;
          throw error;
        }),
      ),
    );
  });
  const name = part(item, 'name');
  name.textContent = repo.name;
  // Without an href an <a> is no link: an unsafe URL is simply not offered.
  if (repo.html_href) name.setAttribute('href', repo.html_href);
  part(item, 'workspace').textContent = repo.workspace.name;
  part(item, 'visibility').textContent = repo.is_private ? 'Private' : 'Public';
  const language = part(item, 'language');
  if (repo.language) language.textContent = repo.language;
  else language.remove();
  const updated = new Date(repo.updated_on);
  const time = part(item, 'updated');
  time.setAttribute('datetime', updated.toISOString());
  time.title = updated.toLocaleString();
  time.textContent = relativeTime(updated.getTime(), now);
  const description = part(item, 'description');
  if (repo.description)
    description.textContent =
      repo.description.length > DESCRIPTION_LIMIT ? `${repo.description.slice(0, DESCRIPTION_LIMIT)}…` : repo.description;
  else description.remove();
  return item;
}

const DAY = 864e5;

/** "today", "3 days ago", "last month", "2 years ago"… in the reader's language. */
export function relativeTime(time: number, now: number): string {
  const days = (time - now) / DAY;
  const size = Math.abs(days);
  return size >= 365
    ? relativeFormat.format(Math.round(days / 365), 'year')
    : size >= 30
      ? relativeFormat.format(Math.round(days / 30), 'month')
      : relativeFormat.format(Math.round(days), 'day');
}
