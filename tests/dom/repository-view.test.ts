// @vitest-environment jsdom
/** The signed-in view on its own: it renders the state it is given and forwards events. */
import { readFileSync } from 'node:fs';
import { fireEvent, screen, within } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { repositoryParser } from '../../src/api-shapes.ts';
import { DEFAULT_QUERY } from '../../src/repo-filter.ts';
import { mountRepositoryView, type RepositoryViewState } from '../../src/views/repositories.ts';
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
