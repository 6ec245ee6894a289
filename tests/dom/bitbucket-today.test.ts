// @vitest-environment jsdom
/**
 * The app meeting Bitbucket as it behaves today (docs/bitbucket.md): 410s that are not
 * CHANGE-2770, a failing `/user`, repositories without `workspace`, and 403s that name the
 * missing scope.
 */
import { screen, waitFor, within } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { apiError, json, repo } from '../support/fake-fetch.ts';

const many = (workspace: string, count: number) => Array.from({ length: count }, (_, n) => repo(workspace, n));

async function loaded(text: RegExp | string) {
  const status = await screen.findByRole('status');
  await waitFor(() => expect(status.textContent).toMatch(text));
  return status;
}

const scopeDenied = (required: string[], granted: string[]) =>
  json(
    { type: 'error', error: { message: 'Your credentials lack one or more required privilege scopes.', detail: { required, granted } } },
    403,
  );

describe('a 410', () => {
  it('that is not CHANGE-2770 says "no longer available", not that the endpoint was removed', async () => {
    startHarness({
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/user/workspaces')
            ? json({ type: 'error', error: { message: 'This account is marked as spam.' } }, 410)
            : undefined,
      },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/No longer available/);
    expect(alert.textContent).toMatch(/\/2\.0\/user\/workspaces/);
    expect(alert.textContent).not.toMatch(/CHANGE-2770|removed/);
  });
});

describe('GET /user failing', () => {
  it('is not fatal: the list loads, the name shows as unknown, and the reason is shown once', async () => {
    startHarness({
      credentials: { kind: 'basic', email: 'me@example.org', apiToken: 't' },
      workspaces: { w: many('w', 3), x: many('x', 2) },
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/2.0/user')
            ? scopeDenied(['read:user:bitbucket'], ['read:workspace:bitbucket', 'read:repository:bitbucket'])
            : undefined,
      },
    });
    await loaded('5 repositories');
    expect(screen.getByText('Signed in as', { exact: false }).textContent).toBe('Signed in as unknown');
    const alerts = screen.getAllByRole('alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.textContent).toMatch(/could not be loaded/);
    expect(alerts[0]?.textContent).toMatch(/read:user:bitbucket/);
    expect(screen.getAllByRole('listitem').length).toBeGreaterThanOrEqual(5);
  });
});

describe('a repository without workspace', () => {
  it('takes the workspace it was listed under', async () => {
    const { workspace: _dropped, ...bare } = repo('solo', 1);
    startHarness({ workspaces: { solo: [bare as ReturnType<typeof repo>] } });
    await loaded('1 repository');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText(bare.name)).toBeTruthy();
    const workspaces = screen.getByRole('combobox', { name: /workspace/i });
    expect(within(workspaces).getByRole('option', { name: 'solo' })).toBeTruthy();
  });
});

describe('a 403 with Bitbucket’s required and granted scopes', () => {
  it('names the missing API-token scope and what the token has', async () => {
    startHarness({
      credentials: { kind: 'basic', email: 'me@example.org', apiToken: 't' },
      api: {
        intercept: (url) =>
          url.pathname.endsWith('/user/workspaces') ? scopeDenied(['read:workspace:bitbucket'], ['read:user:bitbucket']) : undefined,
      },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/needs read:workspace:bitbucket, and this sign-in has read:user:bitbucket/);
  });

  it('without that detail, still names the permission by endpoint', async () => {
    startHarness({
      workspaces: { w: many('w', 1) },
      api: { intercept: (url) => (url.pathname.endsWith('/repositories/w') ? apiError(403, 'Forbidden') : undefined) },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/Repositories: Read/);
  });
});
