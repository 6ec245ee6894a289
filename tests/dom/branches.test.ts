// @vitest-environment jsdom
/** The branches worked example, through the whole app: the contract tests outside rely on. */
import { fireEvent, screen, waitFor, within } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { API, apiError, gate, json, repo, type Intercept } from '../support/fake-fetch.ts';

/** Branches as Bitbucket pages them: 100 a page, with size, page and next. */
function branchPages(names: string[]): Intercept {
  return (url) => {
    if (!url.pathname.endsWith('/refs/branches')) return undefined;
    const page = Number(url.searchParams.get('page') ?? 1);
    const values = names.slice((page - 1) * 100, page * 100).map((name) => ({ type: 'branch', name }));
    const next = page * 100 < names.length ? { next: `${API}${url.pathname.replace(/^\/2\.0/, '')}?pagelen=100&page=${page + 1}` } : {};
    return json({ size: names.length, page, pagelen: 100, values, ...next });
  };
}

/** The one repository's entry, once the list is loaded (the view swaps in a fresh list as pages arrive). */
async function repositoryItem() {
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe('1 repository'), { timeout: 10_000 });
  return within(screen.getByRole('list', { name: 'Repositories' })).getByRole('listitem');
}

describe('branches of a repository', () => {
  it('a button in each entry shows the branches on demand, one item per branch, and hides them again', async () => {
    const app = startHarness({
      workspaces: { acme: [repo('acme', 1, { full_name: 'acme/api' })] },
      api: { intercept: branchPages(['main', 'develop', 'feature/x']) },
    });
    const item = await repositoryItem();
    const toggle = within(item).getByRole('button', { name: /branches/i });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(app.requests.some((r) => r.url.pathname.endsWith('/refs/branches'))).toBe(false);

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const branches = await screen.findByRole('list', { name: 'Branches of acme/api' });
    await waitFor(() =>
      expect(
        within(branches)
          .getAllByRole('listitem')
          .map((li) => li.textContent),
      ).toEqual(['main', 'develop', 'feature/x']),
    );
    expect(within(item).getByText('3 branches').getAttribute('role')).toBe('status');
    const request = app.requests.find((r) => r.url.pathname.endsWith('/refs/branches'));
    expect(request?.url.pathname).toBe('/2.0/repositories/acme/api/refs/branches');
    expect(request?.url.searchParams.get('fields')).toBe('next,size,page,pagelen,values.name');

    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('list', { name: 'Branches of acme/api' })).toBeNull();
    // Shown again without asking Bitbucket again.
    const asked = app.requests.length;
    fireEvent.click(toggle);
    expect(await screen.findByRole('list', { name: 'Branches of acme/api' })).toBeTruthy();
    expect(app.requests.length).toBe(asked);
  });

  it('says it is loading, then how many there are; every page is loaded', async () => {
    const slow = gate();
    const names = Array.from({ length: 230 }, (_, n) => `feature/${n}`);
    const pages = branchPages(names);
    startHarness({
      workspaces: { acme: [repo('acme', 1, { full_name: 'acme/api' })] },
      api: {
        intercept: async (url, request) => (url.pathname.endsWith('/refs/branches') ? (await slow.opened, pages(url, request)) : undefined),
      },
    });
    fireEvent.click(within(await repositoryItem()).getByRole('button', { name: /branches/i }));
    expect((await screen.findByText('Loading the branches of acme/api…')).getAttribute('role')).toBe('status');
    slow.open();
    await screen.findByText('230 branches');
    expect(within(screen.getByRole('list', { name: 'Branches of acme/api' })).getAllByRole('listitem')).toHaveLength(230);
  });

  it('says so when there are none', async () => {
    startHarness({ workspaces: { acme: [repo('acme', 1, { full_name: 'acme/empty' })] }, api: { intercept: branchPages([]) } });
    fireEvent.click(within(await repositoryItem()).getByRole('button', { name: /branches/i }));
    await screen.findByText('acme/empty has no branches.');
    expect(screen.queryByRole('list', { name: 'Branches of acme/empty' })).toBeNull();
  });

  it('explains a failure in an alert naming the permission, and the next press tries again', async () => {
    let refuse = true;
    const pages = branchPages(['main']);
    startHarness({
      workspaces: { acme: [repo('acme', 1, { full_name: 'acme/api' })] },
      api: {
        intercept: (url, request) => (refuse && url.pathname.endsWith('/refs/branches') ? apiError(403, 'Forbidden') : pages(url, request)),
      },
    });
    const item = await repositoryItem();
    const toggle = within(item).getByRole('button', { name: /branches/i });
    fireEvent.click(toggle);
    expect((await within(item).findByRole('alert')).textContent).toContain(
      'needs Repositories: Read (an API token: read:repository:bitbucket)',
    );
    // The alert says it all: the status no longer says the branches are loading.
    expect(within(item).getByRole('status').textContent).toBe('');
    refuse = false;
    fireEvent.click(toggle);
    fireEvent.click(toggle);
    const branches = await screen.findByRole('list', { name: 'Branches of acme/api' });
    await waitFor(() => expect(within(branches).getAllByRole('listitem')).toHaveLength(1));
    expect(within(item).queryByRole('alert')).toBeNull();
  });

  it('a branch name that looks like HTML goes in as text', async () => {
    startHarness({
      workspaces: { acme: [repo('acme', 1, { full_name: 'acme/api' })] },
      api: { intercept: branchPages(['<img src=x onerror=alert(1)>']) },
    });
    fireEvent.click(within(await repositoryItem()).getByRole('button', { name: /branches/i }));
    const branches = await screen.findByRole('list', { name: 'Branches of acme/api' });
    await waitFor(() => expect(within(branches).getByRole('listitem').textContent).toBe('<img src=x onerror=alert(1)>'));
    expect(screen.getByText('1 branch').getAttribute('role')).toBe('status');
    expect(branches.querySelector('img')).toBeNull();
  });
});
