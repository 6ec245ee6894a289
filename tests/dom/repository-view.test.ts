// @vitest-environment jsdom
/** The signed-in view on its own: it renders the state it is given and forwards events. */
import { readFileSync } from 'node:fs';
import { fireEvent, screen, waitFor, within } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { repositoryParser } from '../../src/api-shapes.ts';
import { DEFAULT_QUERY } from '../../src/repo-filter.ts';
import { mountRepositoryView, relativeTime, renderRepository, type RepositoryViewState } from '../../src/views/repositories.ts';
import { repo } from '../support/fake-fetch.ts';
import { loadTemplates } from '../support/page-templates.ts';

const parse = repositoryParser(['https:']);

function mount() {
  document.body.replaceChildren();
  loadTemplates('index.html');
  const root = document.createElement('div');
  document.body.append(root);
  const painted: Array<() => void> = [];
  const events: string[] = [];
  const update = mountRepositoryView(
    root,
    {
      onSignOut: () => void events.push('sign out'),
      onQuery: (query) => void events.push(`query ${query.q}`),
      onRetry: () => void events.push('retry'),
      onRetryWorkspace: (slug) => void events.push(`retry ${slug}`),
      onReconnect: () => void events.push('reconnect'),
      onBranches: async () => [],
    },
    { now: () => Date.parse('2026-11-28T12:00:00Z'), afterPaint: (task) => void painted.push(task) },
  );
  return { update, painted, events };
}

const state = (change: Partial<RepositoryViewState> = {}): RepositoryViewState => ({
  user: { display_name: 'Ada' },
  userError: null,
  loading: false,
  total: 0,
  matches: [],
  query: DEFAULT_QUERY,
  workspaces: [],
  languages: [],
  error: null,
  workspaceErrors: [],
  stops: [],
  notice: null,
  endsInMinutes: null,
  ...change,
});

// Role queries over the whole page's templates are slow in jsdom on a busy machine.
describe('repository view', { timeout: 30_000 }, () => {
  it('says in an alert where a bound stopped loading, with the repositories still listed', () => {
    const { update } = mount();
    const matches = [parse(repo('acme', 1), '/x')];
    update(
      state({
        total: 1,
        matches,
        stops: [
          { id: 'PAGE_LIMIT', slots: { workspace: 'acme' } },
          { id: 'LOAD_LIMIT', slots: { workspace: '' } },
        ],
      }),
    );
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual([
      expect.stringMatching(/^Loading stopped at a limitThe repositories of workspace acme run to more than 1,000 pages/),
      expect.stringMatching(/^Loading stopped at a limitThe app has asked Bitbucket for 2,000 pages/),
    ]);
    expect(within(screen.getByRole('list', { name: 'Repositories' })).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByRole('status').textContent).toBe('1 repository');
  });

  it('lays out a sample entry, hidden from everyone, while the first repositories are awaited', () => {
    const { update } = mount();
    // The stylesheet, for the rule that keeps the sample from being painted or taking room.
    const style = document.createElement('style');
    style.textContent = readFileSync('src/styles.css', 'utf8');
    document.head.append(style);
    update(state({ loading: true }));
    const sample = document.querySelector('.font-warm-up');
    expect(sample?.querySelector('.repo-name')?.textContent).toBe('Repository');
    expect(sample?.getAttribute('aria-hidden')).toBe('true');
    expect((sample as HTMLElement).inert).toBe(true);
    expect(getComputedStyle(sample as Element).visibility).toBe('hidden');
    expect(getComputedStyle(sample as Element).position).toBe('absolute');
    expect(screen.queryAllByRole('listitem')).toHaveLength(0);
    // Still loading, nothing to show: the sample stays until there is.
    update(state({ loading: true, matches: [] }));
    expect(document.querySelector('.font-warm-up')).not.toBeNull();
    const matches = [parse(repo('acme', 1), '/x')];
    update(state({ loading: true, total: 1, matches }));
    expect(document.querySelector('.font-warm-up')).toBeNull();
    expect(document.querySelectorAll('.repo')).toHaveLength(1);
    style.remove();
  });

  it('puts the first repositories in at once and the rest after the next paint, through the injected scheduler', () => {
    const { update, painted } = mount();
    const matches = Array.from({ length: 100 }, (_, n) => parse(repo('w', n), '/x'));
    update(state({ total: 100, matches }));
    const list = () => within(screen.getByRole('list', { name: 'Repositories' })).getAllByRole('listitem');
    expect(list()).toHaveLength(40);
    expect(painted).toHaveLength(1);
    painted[0]?.();
    expect(list()).toHaveLength(100);
  });

  it('forwards events and renders nothing it was not given', () => {
    const { update, events } = mount();
    update(state({ workspaceErrors: [{ slug: 'bad', message: { id: 'NOT_FOUND', slots: { path: '/x' } } }] }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry bad' }));
    fireEvent.input(screen.getByRole('searchbox', { name: /filter repositories/i }), { target: { value: 'api' } });
    fireEvent.click(screen.getByRole('button', { name: /sign out/i }));
    expect(events).toEqual(['retry bad', 'query api', 'sign out']);
  });
});

describe('repository view: what it says about the list', { timeout: 30_000 }, () => {
  const one = parse(repo('acme', 1), '/x');
  const status = () => screen.getByRole('status').textContent;

  it.each([
    ['loading, nothing yet', { loading: true }, 'Loading repositories…'],
    ['loading, some in', { loading: true, total: 7 }, 'Loading repositories: 7 so far…'],
    ['failed with nothing loaded', { error: { id: 'NETWORK' as const } }, 'Repositories could not be loaded.'],
    ['failed after some loaded', { error: { id: 'NETWORK' as const }, total: 2, matches: [one] }, '2 repositories'],
    ['one', { total: 1, matches: [one] }, '1 repository'],
    ['none', {}, '0 repositories'],
    ['filtered', { total: 3, matches: [one], query: { ...DEFAULT_QUERY, language: 'go' } }, '1 of 3 repositories'],
    ['filtered to nothing', { total: 1, query: { ...DEFAULT_QUERY, q: 'zzz' } }, '0 of 1 repository'],
    ['only spaces typed: not a filter', { total: 1, matches: [one], query: { ...DEFAULT_QUERY, q: '  ' } }, '1 repository'],
  ])('status line when %s', (_name, change, text) => {
    const { update } = mount();
    update(state(change));
    expect(status()).toBe(text);
  });

  it('says why the list is empty only when it is done and has nothing to show, and marks the list busy while loading', () => {
    const { update } = mount();
    const list = () => screen.getByRole('list', { name: 'Repositories' });
    // Both sentences are always in the page; the one that applies is the one not hidden.
    const shown = (text: RegExp) => screen.getByText(text).closest('[hidden]') === null;
    const none = /You have no repositories yet/;
    const noMatch = /No repository matches these filters/;
    update(state({ loading: true }));
    expect(list().getAttribute('aria-busy')).toBe('true');
    expect([shown(none), shown(noMatch)]).toEqual([false, false]);
    update(state());
    expect(list().getAttribute('aria-busy')).toBe('false');
    expect([shown(none), shown(noMatch)]).toEqual([true, false]);
    update(state({ total: 4, query: { ...DEFAULT_QUERY, q: 'zzz' } }));
    expect([shown(none), shown(noMatch)]).toEqual([false, true]);
    update(state({ total: 4, matches: [one] }));
    expect([shown(none), shown(noMatch)]).toEqual([false, false]);
    // A failure says so itself: no "no repositories" under it.
    update(state({ error: { id: 'NETWORK' } }));
    expect([shown(none), shown(noMatch)]).toEqual([false, false]);
  });

  it('names the user, or says the name is unknown when it could not be had, or waits', () => {
    const { update } = mount();
    const user = () => screen.getByText(/^Signed in as/).querySelector('strong')?.textContent;
    update(state({ user: null }));
    expect(user()).toBe('…');
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
    update(state({ user: null, userError: { id: 'FORBIDDEN', slots: { path: '/user' } } }));
    expect(user()).toBe('unknown');
    const [alert] = screen.getAllByRole('alert');
    expect(alert?.textContent).toContain('Your name could not be loaded, so it shows as unknown; the list is complete.');
    expect(within(alert as HTMLElement).queryByRole('button')).toBeNull();
    update(state({ user: { display_name: 'Grace' } }));
    expect(user()).toBe('Grace');
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
  });

  it('a failed load shows an alert whose Retry reloads and moves focus to the list heading; each failed workspace gets its own', () => {
    const { update, events } = mount();
    update(
      state({
        error: { id: 'NETWORK' },
        workspaceErrors: [
          { slug: 'one', message: { id: 'NOT_FOUND', slots: { path: '/repositories/one' } } },
          { slug: 'two', message: { id: 'NOT_FOUND', slots: { path: '/repositories/two' } } },
        ],
      }),
    );
    const alerts = screen.getAllByRole('alert');
    expect(alerts).toHaveLength(3);
    expect(alerts[1]?.textContent).toContain('In workspace one');
    expect(alerts[1]?.textContent).toContain('/repositories/one');
    fireEvent.click(within(alerts[0] as HTMLElement).getByRole('button', { name: 'Retry' }));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Your repositories' }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry two' }));
    expect(events).toEqual(['retry', 'retry two']);
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Your repositories' }));
  });

  it('shows what the app waits for, and nothing once it waits no more', () => {
    const { update } = mount();
    update(state({ notice: { id: 'RETRY_RATE_LIMITED', slots: { seconds: '3', attempt: '2' } } }));
    expect(screen.getByText(/Trying again in/).textContent).toBe('Bitbucket is limiting requests. Trying again in 3 s (attempt 2).');
    update(state({ notice: null }));
    expect(screen.queryByText(/Trying again in/)).toBeNull();
  });

  it('warns that the session ends soon, in minutes, with a Reconnect button', () => {
    const { update, events } = mount();
    update(state());
    expect(screen.queryByRole('button', { name: 'Reconnect' })).toBeNull();
    update(state({ endsInMinutes: 1 }));
    const reconnect = screen.getByRole('button', { name: 'Reconnect' });
    expect(reconnect.parentElement?.textContent).toBe('Your Bitbucket session ends in 1 minute — Reconnect');
    update(state({ endsInMinutes: 5 }));
    expect(reconnect.parentElement?.textContent).toBe('Your Bitbucket session ends in 5 minutes — Reconnect');
    fireEvent.click(reconnect);
    expect(events).toEqual(['reconnect']);
  });
});

describe('repository view: what stays put', { timeout: 30_000 }, () => {
  it('leaves the alerts and the notice as they are while they do not change, so focus and announcements stay', () => {
    const { update } = mount();
    const workspaceErrors = [{ slug: 'bad', message: { id: 'NOT_FOUND' as const, slots: { path: '/x' } } }];
    const notice = { id: 'REFRESHING' as const };
    // The store keeps the identity of what did not change: these lists are the same from one state to the next.
    const stops: RepositoryViewState['stops'] = [];
    update(state({ workspaceErrors, notice, stops }));
    const retry = screen.getByRole('button', { name: 'Retry bad' });
    retry.focus();
    const refreshing = screen.getByText('Refreshing from Bitbucket…');
    update(state({ workspaceErrors, notice, stops, total: 5 }));
    expect(document.activeElement).toBe(retry);
    expect(retry.isConnected).toBe(true);
    expect(screen.getByText('Refreshing from Bitbucket…')).toBe(refreshing);
  });

  it.each([
    ['a failure', { error: { id: 'NETWORK' as const } }],
    ['a failed name', { userError: { id: 'NETWORK' as const } }],
    ['a bound', { stops: [{ id: 'LOAD_LIMIT' as const, slots: { workspace: '' } }] }],
    ['a failed workspace', { workspaceErrors: [{ slug: 'bad', message: { id: 'NETWORK' as const } }] }],
  ])('shows %s as soon as it comes, and takes it away when it goes', (_name, change) => {
    const { update } = mount();
    update(state());
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
    update(state(change));
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    update(state());
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
  });
});

describe('repository view: the filters', { timeout: 30_000 }, () => {
  const options = (name: string) =>
    within(screen.getByRole('combobox', { name }))
      .getAllByRole('option')
      .map((o) => [(o as HTMLOptionElement).value, o.textContent]);

  it('offers the workspaces and languages present, after an "All" choice, and shows the query in the form', () => {
    const { update } = mount();
    const workspaces = [
      { slug: 'acme', name: 'Acme team' },
      { slug: 'solo', name: 'Solo' },
    ];
    update(
      state({
        workspaces,
        languages: ['go', 'TypeScript'],
        query: { q: 'api', sort: 'name', workspace: 'solo', visibility: 'public', language: 'go' },
      }),
    );
    expect(options('Workspace')).toEqual([
      ['', 'All workspaces'],
      ['acme', 'Acme team'],
      ['solo', 'Solo'],
    ]);
    expect(options('Language')).toEqual([
      ['', 'All languages'],
      ['go', 'go'],
      ['TypeScript', 'TypeScript'],
    ]);
    const value = (role: 'combobox' | 'searchbox', name: string) => (screen.getByRole(role, { name }) as HTMLInputElement).value;
    expect(value('searchbox', 'Filter repositories')).toBe('api');
    expect(value('combobox', 'Sort by')).toBe('name');
    expect(value('combobox', 'Workspace')).toBe('solo');
    expect(value('combobox', 'Visibility')).toBe('public');
    expect(value('combobox', 'Language')).toBe('go');
  });

  it('keeps the options of an unchanged facet (an open list is not rebuilt), and the field being used as the user has it', () => {
    const { update } = mount();
    const workspaces = [{ slug: 'acme', name: 'Acme team' }];
    const languages = ['go'];
    update(state({ workspaces, languages }));
    const before = [...screen.getAllByRole('option')];
    update(state({ workspaces, languages, total: 3 }));
    expect(screen.getAllByRole('option')).toEqual(before);
    expect(screen.getAllByRole('option').every((option, n) => option === before[n])).toBe(true);
    const search = screen.getByRole('searchbox', { name: 'Filter repositories' }) as HTMLInputElement;
    search.focus();
    search.value = 'ap';
    update(state({ workspaces, languages, query: { ...DEFAULT_QUERY, q: 'a' } }));
    expect(search.value).toBe('ap');
  });

  it('reports each change of the query once, and sends no form anywhere', () => {
    const { update, events } = mount();
    update(state());
    const search = screen.getByRole('searchbox', { name: 'Filter repositories' });
    // Nothing changed: no query.
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort by' }));
    expect(events).toEqual([]);
    fireEvent.input(search, { target: { value: 'web' } });
    expect(events).toEqual(['query web']);
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort by' }), { target: { value: 'name' } });
    expect(events).toEqual(['query web', 'query web']);
    const submit = new Event('submit', { cancelable: true });
    screen.getByRole('search', { name: 'Filter and sort' }).dispatchEvent(submit);
    expect(submit.defaultPrevented).toBe(true);
  });
});

describe('repository view: long lists', { timeout: 60_000 }, () => {
  const many = (count: number) => Array.from({ length: count }, (_, n) => parse(repo('w', n), '/x'));
  // Found by its accessible name (aria-label): role queries over a thousand entries are slow in jsdom.
  const list = () => screen.getByLabelText('Repositories');

  it('shows 500 at first; "Show more" adds the next 500 and moves focus to the first of them', () => {
    const { update, painted } = mount();
    const search = screen.getByRole('searchbox', { name: 'Filter repositories' });
    const matches = many(1200);
    update(state({ total: 1200, matches }));
    for (const task of painted.splice(0)) task();
    // Each query over a thousand entries takes seconds in jsdom: the list is looked up once per render.
    const shown = list();
    expect(shown.children.length).toBe(500);
    fireEvent.click(screen.getByText('Show 500 more (700 not shown)'));
    expect(shown.children.length).toBe(1000);
    expect(document.activeElement?.textContent).toBe('w repo 500');
    expect(document.activeElement?.closest('li') === shown.children[500]).toBe(true);
    const last = screen.getByText('Show 200 more (200 not shown)');
    const actions = last.parentElement as HTMLElement;
    fireEvent.click(last);
    expect(shown.children.length).toBe(1200);
    // Everything is shown: no "Show more" any more.
    expect(actions.children).toHaveLength(0);
    // A new query starts from 500 again.
    fireEvent.input(search, { target: { value: 'w' } });
    update(state({ total: 1200, matches: matches.slice(0, 1100), query: { ...DEFAULT_QUERY, q: 'w' } }));
    for (const task of painted.splice(0)) task();
    expect(list().children.length).toBe(500);
    expect(screen.getByText('Show 500 more (600 not shown)').tagName).toBe('BUTTON');
  });

  it('a list replaced before the next paint gets none of the old list’s rest', () => {
    const { update, painted } = mount();
    update(state({ total: 100, matches: many(100) }));
    const fewer = many(60).slice(50);
    update(state({ total: 100, matches: fewer }));
    for (const task of painted.splice(0)) task();
    expect([...list().children].map((li) => li.querySelector('a')?.textContent)).toEqual(fewer.map((r) => r.name));
  });

  it('a page that comes in changes only what differs: the entries on screen stay put, with focus, and the new ones go in between, in order', () => {
    const { update, painted } = mount();
    const all = many(150);
    // Every other repository first, as the first page of one workspace among several might be.
    const first = all.filter((_, n) => n % 2 === 0);
    update(state({ loading: true, total: first.length, matches: first }));
    for (const task of painted.splice(0)) task();
    const shown = list();
    const entry = shown.children[10] as HTMLElement;
    entry.querySelector('a')?.focus();
    update(state({ loading: true, total: all.length, matches: all }));
    // Nothing is left for after a paint: the page's 75 new entries went in at once.
    expect(painted).toHaveLength(0);
    expect(list()).toBe(shown);
    expect(shown.children[20]).toBe(entry);
    expect(document.activeElement?.closest('li')).toBe(entry);
    expect([...shown.children].map((li) => li.querySelector('a')?.textContent)).toEqual(all.map((r) => r.name));
  });

  it('entries pushed past the first 500 by a page that came in leave the list, and "Show more" counts them', () => {
    const { update, painted } = mount();
    const all = many(700);
    const first = all.slice(100);
    update(state({ loading: true, total: first.length, matches: first }));
    for (const task of painted.splice(0)) task();
    update(state({ loading: true, total: all.length, matches: all }));
    expect([...list().children].map((li) => li.querySelector('a')?.textContent)).toEqual(all.slice(0, 500).map((r) => r.name));
    expect(screen.getByText('Show 200 more (200 not shown)').tagName).toBe('BUTTON');
  });

  it('pages that come in before the first paint are in the rest put in after it', () => {
    const { update, painted } = mount();
    const all = many(150);
    const first = all.filter((_, n) => n % 2 === 0);
    update(state({ loading: true, total: first.length, matches: first }));
    const shown = list();
    update(state({ loading: true, total: all.length, matches: all }));
    expect(list()).toBe(shown);
    expect(shown.children.length).toBe(40);
    expect(painted).toHaveLength(1);
    for (const task of painted.splice(0)) task();
    expect([...list().children].map((li) => li.querySelector('a')?.textContent)).toEqual(all.map((r) => r.name));
  });

  it('until the rest is in, a page that changes all of the first entries changes them in place', () => {
    const { update, painted } = mount();
    update(state({ loading: true, total: 100, matches: many(100) }));
    const shown = list();
    const before = new Set(shown.children);
    // The same names, but other repositories (objects): every entry is another one.
    const next = many(100);
    update(state({ loading: true, total: 100, matches: next }));
    expect(list()).toBe(shown);
    expect(shown.children.length).toBe(40);
    expect([...shown.children].some((li) => before.has(li))).toBe(false);
    for (const task of painted.splice(0)) task();
    expect(shown.children.length).toBe(100);
    expect([...shown.children].every((li, n) => li.querySelector('a')?.textContent === next[n]?.name)).toBe(true);
  });

  it('keeps the list while at least half of what it shows stays; a list mostly new is a fresh one (a refresh, say)', () => {
    const { update } = mount();
    const old = many(40);
    update(state({ total: 40, matches: old }));
    const shown = list();
    // Half of the 40 stay: changed in place.
    const half = [...old.slice(0, 20), ...many(60).slice(40)];
    update(state({ total: 40, matches: half }));
    expect(list()).toBe(shown);
    expect([...shown.children].map((li) => li.querySelector('a')?.textContent)).toEqual(half.map((r) => r.name));
    // 19 of 40 stay: a fresh list.
    const mostlyNew = [...half.slice(0, 19), ...many(61).slice(40)];
    update(state({ total: 40, matches: mostlyNew }));
    expect(list()).not.toBe(shown);
    expect([...list().children].map((li) => li.querySelector('a')?.textContent)).toEqual(mostlyNew.map((r) => r.name));
  });

  it('a new query is a fresh list, even when it keeps most of what is shown', () => {
    const { update } = mount();
    const matches = many(40);
    update(state({ total: 40, matches }));
    const shown = list();
    update(state({ total: 40, matches: matches.slice(0, 39), query: { ...DEFAULT_QUERY, q: 'w' } }));
    expect(list()).not.toBe(shown);
    expect(list().children.length).toBe(39);
  });

  it('the rest of a list replaced by a new query is not put in by the old list’s task after the paint', () => {
    const { update, painted } = mount();
    const matches = many(100);
    update(state({ total: 100, matches }));
    update(state({ total: 100, matches: matches.slice(0, 90), query: { ...DEFAULT_QUERY, q: 'w' } }));
    expect(painted).toHaveLength(2);
    // The old list's task runs first: the new list keeps its first chunk until its own task.
    painted[0]?.();
    expect(list().children.length).toBe(40);
    painted[1]?.();
    expect(list().children.length).toBe(90);
  });

  it('"Show more" pressed before the rest is in shows all it says, and pages that come in keep it', () => {
    const { update, painted } = mount();
    const all = many(1200);
    const first = all.filter((_, n) => n % 2 === 0);
    update(state({ loading: true, total: first.length, matches: first }));
    fireEvent.click(screen.getByText('Show 100 more (100 not shown)'));
    expect(list().children.length).toBe(600);
    // A page comes in before the paint: the list shows the first 1,000 (twice 500), not a first chunk.
    update(state({ loading: true, total: all.length, matches: all }));
    expect([...list().children].map((li) => li.querySelector('a')?.textContent)).toEqual(all.slice(0, 1000).map((r) => r.name));
    for (const task of painted.splice(0)) task();
    expect(list().children.length).toBe(1000);
  });

  it('exactly 40 go in at once, with nothing left for after the paint', () => {
    const { update, painted } = mount();
    update(state({ total: 40, matches: many(40) }));
    expect(list().children.length).toBe(40);
    expect(painted).toHaveLength(0);
  });

  it('keeps the sample entry until there is something to show, and leaves it out afterwards', () => {
    const { update } = mount();
    update(state({ total: 1, matches: many(1) }));
    expect(document.querySelector('.font-warm-up')).toBeNull();
    update(state({ total: 1, matches: [], query: { ...DEFAULT_QUERY, q: 'zzz' } }));
    expect(document.querySelector('.font-warm-up')).toBeNull();
  });
});

describe('renderRepository', { timeout: 30_000 }, () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const entry = (overrides: Parameters<typeof repo>[2] = {}) => {
    loadTemplates('index.html');
    const item = renderRepository(parse(repo('acme', 1, overrides), '/x'), now, async () => []);
    document.body.append(item);
    return item;
  };

  it('shows name (a link), workspace, visibility, language, the date and a description cut at 400 characters', () => {
    document.body.replaceChildren();
    const item = entry({
      name: 'Payments',
      is_private: false,
      language: 'go',
      description: 'x'.repeat(401),
      updated_on: '2026-11-28T11:00:00+02:00',
    });
    expect(within(item).getByRole('link', { name: 'Payments' }).getAttribute('href')).toBe('https://bitbucket.org/acme/repo-1');
    expect(within(item).getByText('acme team')).toBeTruthy();
    expect(within(item).getByText('Public')).toBeTruthy();
    expect(within(item).getByText('go')).toBeTruthy();
    expect(within(item).getByText(`${'x'.repeat(400)}…`)).toBeTruthy();
    const time = item.querySelector('time') as HTMLTimeElement;
    expect(time.getAttribute('datetime')).toBe('2026-11-28T09:00:00.000Z');
    expect(time.title).toBe(new Date('2026-11-28T09:00:00.000Z').toLocaleString());
    expect(time.textContent).toBe(relativeTime(Date.parse('2026-11-28T09:00:00Z'), now));
  });

  it('a description of exactly 400 characters is shown whole; an empty one and an empty language leave no element', () => {
    document.body.replaceChildren();
    const whole = entry({ description: 'y'.repeat(400), is_private: true });
    expect(within(whole).getByText('y'.repeat(400))).toBeTruthy();
    expect(within(whole).getByText('Private')).toBeTruthy();
    const bare = entry({ description: '', language: '' });
    expect(bare.querySelector('.repo-description')).toBeNull();
    expect(bare.querySelector('.repo-meta')?.children).toHaveLength(3);
  });

  it('a repository without a safe link is named without being a link', () => {
    document.body.replaceChildren();
    const item = entry({ name: 'Sneaky', links: { html: { href: 'javascript:alert(1)' } } });
    expect(within(item).queryByRole('link')).toBeNull();
    expect(within(item).getByText('Sneaky').hasAttribute('href')).toBe(false);
  });

  it('its Branches button says whether the branches are shown, and asks for them again after a failure', async () => {
    document.body.replaceChildren();
    loadTemplates('index.html');
    let asked = 0;
    const item = renderRepository(parse(repo('acme', 1), '/x'), now, () =>
      ++asked === 1 ? Promise.reject(new Error('offline')) : Promise.resolve([]),
    );
    document.body.append(item);
    const toggle = within(item).getByRole('button', { name: 'Branches' });
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await waitFor(() => expect(asked).toBe(1));
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    await waitFor(() => expect(asked).toBe(2));
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const DAY = 864e5;
  it.each([
    [0, 0, 'day'],
    [-0.4, 0, 'day'],
    [-1, -1, 'day'],
    [2, 2, 'day'],
    [-29.9, -30, 'day'],
    [-30, -1, 'month'],
    [-364, -12, 'month'],
    [-365, -1, 'year'],
    [-800, -2, 'year'],
    [400, 1, 'year'],
  ] as const)('%s days from now reads as %s %s', (days, value, unit) => {
    expect(relativeTime(now + days * DAY, now)).toBe(format.format(value, unit));
  });
});
