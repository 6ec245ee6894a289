// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { loaded, many } from '../support/app-queries.ts';
import { abortedBy, apiError, gate, json, repo } from '../support/fake-fetch.ts';
import { memoryStorage } from '../support/memory-storage.ts';

describe('signed out', () => {
  it('offers "Sign in with Bitbucket", which goes to the authorize URL with a stored state', async () => {
    const app = startHarness({ credentials: null });
    fireEvent.click(screen.getByRole('button', { name: /sign in with bitbucket/i }));
    // At once, in the click's own task: nothing can happen in the page between the press and leaving.
    expect(app.navigations).toHaveLength(1);
    const url = new URL(app.navigations[0] ?? '');
    expect(url.searchParams.get('response_type')).toBe('token');
    expect(url.searchParams.get('client_id')).toBe('KEY');
    expect(app.storage.getItem('bitbucket-starter:pending-sign-in')).toContain(url.searchParams.get('state'));
  });

  it('explains a missing configuration instead of crashing', () => {
    startHarness({ credentials: null, env: { VITE_BITBUCKET_CLIENT_ID: '' } });
    expect(screen.getByRole('alert').textContent).toMatch(/not configured.*VITE_BITBUCKET_CLIENT_ID/s);
    expect(screen.queryByRole('button', { name: /sign in with bitbucket/i })).toBeNull();
  });

  it('refuses to sign in over plain http away from localhost', async () => {
    const app = startHarness({ credentials: null, hostname: 'app.example' });
    fireEvent.click(screen.getByRole('button', { name: /sign in with bitbucket/i }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/needs HTTPS/);
    expect(app.navigations).toEqual([]);
  });

  it('offers API-token sign-in on localhost only', () => {
    startHarness({ credentials: null });
    expect(screen.getByLabelText('API token')).toBeTruthy();
    startHarness({ credentials: null, hostname: 'app.example' });
    expect(screen.queryByLabelText('API token')).toBeNull();
  });

  it('signs in with an email and API token, sent as HTTP Basic', async () => {
    const app = startHarness({ credentials: null, workspaces: { w: many('w', 2) } });
    fireEvent.input(screen.getByLabelText('Atlassian account email'), { target: { value: 'ada@example.com' } });
    fireEvent.input(screen.getByLabelText('API token'), { target: { value: 'api-tok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use API token' }));
    await loaded('2 repositories');
    expect(app.requests[0]?.headers.get('authorization')).toBe(`Basic ${btoa('ada@example.com:api-tok')}`);
    expect(app.storage.getItem('bitbucket-starter:session')).toContain('"kind":"basic"');
  });
});

describe('signed in', () => {
  it('shows the user, then every repository, with progress while loading', async () => {
    // Bitbucket's answers wait until the view has shown that it is loading.
    const held = gate();
    startHarness({
      workspaces: { big: many('big', 250), small: many('small', 38) },
      api: { intercept: () => held.opened.then(() => undefined) },
    });
    const status = await screen.findByRole('status');
    expect(status.textContent).toMatch(/Loading repositories/);
    held.open();
    await loaded(/^288 repositories$/);
    expect(screen.getByText('Ada Lovelace')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Repositories' });
    // The first ones go in at once, the rest right after the next frame.
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(288));
  });

  it('renders each repository: a link to Bitbucket named after it, workspace, visibility, language, description, date', async () => {
    startHarness({
      workspaces: {
        acme: [
          repo('acme', 1, {
            name: 'Payments',
            description: 'Takes money',
            language: 'go',
            is_private: true,
            updated_on: '2026-11-25T12:00:00+00:00',
          }),
        ],
      },
    });
    await loaded('1 repository');
    const item = within(screen.getByRole('list', { name: 'Repositories' })).getByRole('listitem');
    const link = within(item).getByRole('link', { name: 'Payments' });
    expect(link.getAttribute('href')).toBe('https://bitbucket.org/acme/repo-1');
    expect(item.textContent).toContain('acme team');
    expect(item.textContent).toContain('Private');
    expect(item.textContent).toContain('go');
    expect(item.textContent).toContain('Takes money');
    const time = item.querySelector('time');
    expect(time?.textContent).toBe('3 days ago');
    expect(time?.getAttribute('datetime')).toBe('2026-11-25T12:00:00.000Z');
    expect(time?.getAttribute('title')).toMatch(/2026/);
  });

  it('puts text that looks like HTML in as text', async () => {
    startHarness({ workspaces: { w: [repo('w', 1, { name: '<img src=x onerror=alert(1)>', description: '<script>alert(1)</script>' })] } });
    await loaded('1 repository');
    const list = screen.getByRole('list', { name: 'Repositories' });
    expect(list.querySelector('img, script')).toBeNull();
    expect(within(list).getByRole('link', { name: '<img src=x onerror=alert(1)>' })).toBeTruthy();
    expect(list.textContent).toContain('<script>alert(1)</script>');
  });

  it('does not make a link of a javascript: URL', async () => {
    startHarness({ workspaces: { w: [repo('w', 1, { name: 'Sneaky', links: { html: { href: 'javascript:alert(1)' } } })] } });
    await loaded('1 repository');
    expect(screen.queryByRole('link', { name: 'Sneaky' })).toBeNull();
    expect(screen.getByText('Sneaky')).toBeTruthy();
  });

  it('says so when there are no repositories', async () => {
    startHarness({ workspaces: { empty: [] } });
    await loaded(/^0 repositories$/);
    expect(screen.getByText(/You have no repositories yet/)).toBeTruthy();
  });

  it('shows an API error with a retry that loads again', async () => {
    let fail = true;
    startHarness({
      workspaces: { w: many('w', 3) },
      api: { intercept: (url) => (fail && url.pathname.endsWith('/user/workspaces') ? apiError(400, 'Bad request') : undefined) },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/refused/);
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await loaded('3 repositories');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a refused token (401) is removed, and the user is asked to sign in again', async () => {
    const app = startHarness({
      workspaces: { w: many('w', 3) },
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/user') ? apiError(401, 'Token is invalid, expired, or not supported for this endpoint.') : undefined,
      },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/session has ended/);
    expect(app.session.credentials()).toBeNull();
    expect(screen.getByRole('button', { name: /sign in with bitbucket/i })).toBeTruthy();
  });

  it('names the missing permission on a 403', async () => {
    startHarness({
      workspaces: { w: many('w', 1) },
      api: { intercept: (url) => (url.pathname.endsWith('/repositories/w') ? apiError(403, 'Forbidden') : undefined) },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/Repositories: Read/);
  });

  it('explains a removed endpoint (410)', async () => {
    startHarness({
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/user/workspaces')
            ? json({ type: 'error', error: { message: 'CHANGE-2770 - Functionality has been deprecated' } }, 410)
            : undefined,
      },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/removed this API/);
  });

  it('explains a body that is not JSON, and keeps working', async () => {
    startHarness({
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/user') ? new Response('<html>', { headers: { 'Content-Type': 'text/html' } }) : undefined,
      },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/not the JSON/);
    expect(screen.getByRole('button', { name: /sign out/i })).toBeTruthy();
  });

  it('keeps what loaded when one workspace fails, and retries that workspace alone', async () => {
    let broken = true;
    const app = startHarness({
      workspaces: { good: many('good', 4), bad: many('bad', 2) },
      api: { intercept: (url) => (broken && url.pathname.endsWith('/repositories/bad') ? apiError(404, 'gone') : undefined) },
    });
    await loaded('4 repositories');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('bad');
    broken = false;
    const before = app.requests.length;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry bad' }));
    await loaded('6 repositories');
    expect(app.requests.slice(before).map((r) => r.url.pathname)).toEqual(['/2.0/repositories/bad']);
  });

  it('signs out: clears the token and the cached list, and tells the other tabs', async () => {
    const app = startHarness({ workspaces: { w: many('w', 2) } });
    await loaded('2 repositories');
    fireEvent.click(screen.getByRole('button', { name: /sign out/i }));
    expect(app.storage.size).toBe(0);
    expect(app.posted).toEqual(['signed-out']);
    expect(screen.getByRole('button', { name: /sign in with bitbucket/i })).toBeTruthy();
    expect(document.activeElement).toBe(app.heading);
  });

  it('signs out when another tab signs out', async () => {
    const app = startHarness({ workspaces: { w: many('w', 2) } });
    await loaded('2 repositories');
    app.fromOtherTab('signed-out');
    expect(app.session.credentials()).toBeNull();
    expect(screen.getByRole('button', { name: /sign in with bitbucket/i })).toBeTruthy();
  });

  it('a sign-out while the signed-in view is still loading leaves the signed-out view alone', async () => {
    const app = startHarness({ workspaces: { w: many('w', 2) } });
    // The signed-in view's module has not arrived yet when another tab signs out.
    app.fromOtherTab('signed-out');
    expect(screen.getByRole('button', { name: /sign in with bitbucket/i })).toBeTruthy();
    // Once the module is here (and a moment after), still nothing of the signed-in view.
    await import('../../src/signed-in.ts');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(screen.getByRole('button', { name: /sign in with bitbucket/i })).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Repositories' })).toBeNull();
    expect(app.requests).toHaveLength(0);
  });

  it('warns before the token expires, offers to reconnect, and ends the session at expiry', async () => {
    const app = startHarness({ workspaces: { w: many('w', 2) }, search: '?q=repo' });
    await loaded('2 of 2 repositories');
    app.advance(3600e3 - 4 * 60e3);
    const reconnect = screen.getByRole('button', { name: 'Reconnect' });
    expect(reconnect.parentElement?.textContent).toBe('Your Bitbucket session ends in 4 minutes — Reconnect');
    fireEvent.click(reconnect);
    await waitFor(() => expect(app.navigations).toHaveLength(1));
    expect(app.storage.getItem('bitbucket-starter:pending-sign-in')).toContain('"returnTo":"/?q=repo"');
    app.advance(4 * 60e3);
    expect(screen.getByRole('alert').textContent).toMatch(/session has ended/);
    expect(app.session.credentials()).toBeNull();
  });

  it('filters as the user types, says "M of N", and keeps the filter in the URL', async () => {
    const app = startHarness({
      workspaces: { w: [repo('w', 1, { name: 'payments-api' }), repo('w', 2, { name: 'web' }), repo('w', 3, { name: 'api-docs' })] },
    });
    await loaded('3 repositories');
    fireEvent.input(screen.getByRole('searchbox', { name: /filter repositories/i }), { target: { value: 'api' } });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('2 of 3 repositories'));
    expect(within(screen.getByRole('list', { name: 'Repositories' })).getAllByRole('listitem')).toHaveLength(2);
    // The address follows when typing pauses.
    expect(app.urls).toEqual([]);
    app.advance(300);
    expect(app.urls.at(-1)).toBe('/?q=api');
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort by' }), { target: { value: 'name' } });
    expect(app.urls.at(-1)).toBe('/?q=api&sort=name');
    const names = within(screen.getByRole('list', { name: 'Repositories' }))
      .getAllByRole('link')
      .map((a) => a.textContent);
    expect(names).toEqual(['api-docs', 'payments-api']);
  });

  it('starts with the filter from the URL', async () => {
    startHarness({ workspaces: { w: many('w', 10) }, search: '?visibility=private' });
    await loaded('5 of 10 repositories');
    expect((screen.getByRole('combobox', { name: 'Visibility' }) as HTMLSelectElement).value).toBe('private');
  });

  it('shows the cached list at once after a reload, then refreshes it', async () => {
    const first = startHarness({ workspaces: { w: many('w', 3) } });
    await loaded('3 repositories');
    first.advance(0); // the list is saved just after it is shown
    // Before any answer from Bitbucket, the list kept for the session is on screen.
    const held = gate();
    startHarness({ workspaces: { w: many('w', 4) }, storage: first.storage, api: { intercept: () => held.opened.then(() => undefined) } });
    expect((await screen.findByRole('status')).textContent).toBe('3 repositories');
    held.open();
    await loaded('4 repositories');
  });

  it('after a reload, asks Bitbucket nothing until the kept list has been painted', async () => {
    const first = startHarness({ workspaces: { w: many('w', 3) } });
    await loaded('3 repositories');
    first.advance(0);
    const painted: Array<() => void> = [];
    const app = startHarness({ workspaces: { w: many('w', 4) }, storage: first.storage, afterPaint: (task) => void painted.push(task) });
    expect((await screen.findByRole('status')).textContent).toBe('3 repositories');
    expect(app.requests).toHaveLength(0);
    // The frame is painted: the refresh starts.
    for (const task of painted.splice(0)) task();
    await loaded('4 repositories');
    expect(app.requests.length).toBeGreaterThan(0);
  });

  it('signed out before the kept list was painted: the refresh that was to follow asks Bitbucket nothing', async () => {
    const first = startHarness({ workspaces: { w: many('w', 3) } });
    await loaded('3 repositories');
    first.advance(0);
    const painted: Array<() => void> = [];
    const app = startHarness({ workspaces: { w: many('w', 4) }, storage: first.storage, afterPaint: (task) => void painted.push(task) });
    await screen.findByRole('status');
    fireEvent.click(screen.getByRole('button', { name: /sign out/i }));
    for (const task of painted.splice(0)) task();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(app.requests).toHaveLength(0);
  });

  it('Retry on a workspace while the list refreshes in the background keeps that workspace', async () => {
    const first = startHarness({ workspaces: { good: many('good', 4), bad: many('bad', 2) } });
    await loaded('6 repositories');
    first.advance(0);
    // After a reload: the cached list shows, the refresh runs; "bad" fails, "good" is slow.
    let broken = true;
    const slow = gate();
    startHarness({
      storage: first.storage,
      workspaces: { good: many('good', 4), bad: many('bad', 2) },
      api: {
        intercept: async (url) => {
          if (url.pathname.endsWith('/repositories/good')) await slow.opened;
          return broken && url.pathname.endsWith('/repositories/bad') ? apiError(404, 'gone') : undefined;
        },
      },
    });
    const retry = await screen.findByRole('button', { name: 'Retry bad' });
    broken = false;
    fireEvent.click(retry);
    slow.open();
    await waitFor(() => expect(screen.queryByText('Refreshing from Bitbucket…')).toBeNull());
    await loaded('6 repositories');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('Retry replaces the failed load: nothing of the old one shows up afterwards', async () => {
    let listFails = true;
    const slow = gate();
    const access = (slug: string) => ({ type: 'workspace_access', workspace: { type: 'workspace_base', slug } });
    startHarness({
      workspaces: { w: many('w', 3), x: many('x', 2) },
      api: {
        intercept: async (url, request) => {
          // The workspace list fails on its second page, once both workspaces are loading.
          if (url.pathname.endsWith('/user/workspaces') && listFails) {
            if (url.searchParams.get('page') === '2') return apiError(400, 'Bad request');
            return json({ values: [access('w'), access('x')], next: `${url.origin}${url.pathname}?page=2` });
          }
          // Held back until released, or cancelled (as fetch is, when its load is abandoned).
          if (url.pathname.endsWith('/repositories/x')) await Promise.race([slow.opened, abortedBy(request.signal)]);
          return undefined;
        },
      },
    });
    const alert = await screen.findByRole('alert');
    listFails = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    // Focus moves to the heading of the list being reloaded (the Retry button is gone).
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Your repositories' }));
    slow.open();
    await loaded('5 repositories');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.getByRole('status').textContent).toBe('5 repositories');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a session that expired while the tab was away takes its cached list with it', async () => {
    const storage = memoryStorage();
    const first = startHarness({ storage, workspaces: { w: many('w', 2) } });
    await loaded('2 repositories');
    first.advance(0);
    expect(storage.keys()).toContain('bitbucket-starter:repositories:v1');
    first.advance(3600e3); // the token expires
    startHarness({ storage, credentials: null });
    expect(storage.keys()).not.toContain('bitbucket-starter:repositories:v1');
  });
});

describe('permissions', () => {
  it.each([
    ['/user', 'Account: Read', 'read:user:bitbucket'],
    ['/user/workspaces', 'Account: Read', 'read:workspace:bitbucket'],
    ['/repositories/w', 'Repositories: Read', 'read:repository:bitbucket'],
  ])('a 403 on %s names the permission that call needs: %s (%s)', async (path, permission, scope) => {
    startHarness({
      workspaces: { w: many('w', 1) },
      api: { intercept: (url) => (url.pathname.endsWith(path) ? apiError(403, 'Forbidden') : undefined) },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(`needs ${permission} (an API token: ${scope})`);
  });
});

describe('the page heading', () => {
  it('names the view, and takes the focus only when the user has just signed in or out', async () => {
    const app = startHarness({ credentials: null, workspaces: { w: many('w', 2) } });
    expect(app.heading.textContent).toBe('Sign in to Bitbucket from the browser');
    expect(document.activeElement).not.toBe(app.heading);
    fireEvent.input(screen.getByLabelText('Atlassian account email'), { target: { value: 'ada@example.com' } });
    fireEvent.input(screen.getByLabelText('API token'), { target: { value: 'api-tok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use API token' }));
    expect(app.heading.textContent).toBe('Your Bitbucket repositories');
    expect(document.activeElement).toBe(app.heading);
    await loaded('2 repositories');
  });

  it('a session already there on load is shown without moving the focus', async () => {
    const app = startHarness({ workspaces: { w: many('w', 2) } });
    expect(app.heading.textContent).toBe('Your Bitbucket repositories');
    await loaded('2 repositories');
    expect(document.activeElement).not.toBe(app.heading);
  });
});

describe('the first load', () => {
  it('with an API on plain http (the simulator), still links to repositories on https', async () => {
    startHarness({ env: { VITE_BITBUCKET_API_URL: 'http://localhost:4000/2.0' }, workspaces: { w: many('w', 1) } });
    await loaded('1 repository');
    const link = within(screen.getByRole('list', { name: 'Repositories' })).getByRole('link');
    expect(new URL(link.getAttribute('href') ?? '').protocol).toBe('https:');
  });

  it('says that it is trying again while Bitbucket answers with errors', async () => {
    startHarness({
      workspaces: { w: many('w', 1) },
      api: { intercept: (url) => (url.pathname.endsWith('/user/workspaces') ? apiError(503, 'Down') : undefined) },
    });
    expect((await screen.findByText(/Trying again in/)).textContent).toMatch(/attempt 1/);
  });

  it('with no list kept, asks Bitbucket at once, without waiting for a paint', async () => {
    const painted: Array<() => void> = [];
    const app = startHarness({ workspaces: { w: many('w', 2) }, afterPaint: (task) => void painted.push(task) });
    await waitFor(() => expect(app.requests.length).toBeGreaterThan(0));
  });
});
