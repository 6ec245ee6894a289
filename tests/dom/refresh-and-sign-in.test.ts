// @vitest-environment jsdom
// Two safeguards of the signed-in view that only show over time: a background refresh never
// writes into the field the user is typing in, and a new sign-in never shows the last user's list.
import { fireEvent, screen, waitFor } from '@testing-library/dom';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/app-harness.ts';
import { loaded, many } from '../support/app-queries.ts';
import { gate } from '../support/fake-fetch.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const CACHE_KEY = 'bitbucket-starter:repositories:v1';

describe('a background refresh', () => {
  it('leaves the focused filter field as the user has it', async () => {
    const storage = memoryStorage();
    const first = startHarness({ storage, workspaces: { w: many('w', 3) } });
    await loaded('3 repositories');
    first.advance(0); // the list is saved just after it is shown

    // After a reload the cached list shows at once and the refresh runs, held back here.
    const slow = gate();
    startHarness({
      storage,
      search: '?q=repo',
      workspaces: { w: many('w', 4) },
      api: {
        intercept: async (url) => {
          if (url.pathname.endsWith('/repositories/w')) await slow.opened;
          return undefined;
        },
      },
    });
    const filter = (await screen.findByRole('searchbox', { name: /filter repositories/i })) as HTMLInputElement;
    expect(filter.value).toBe('repo');
    // The user is in the middle of typing: the field holds text the app has not been told about yet.
    filter.focus();
    filter.value = 'repo 2';
    slow.open();
    await waitFor(() => expect(screen.queryByText('Refreshing from Bitbucket…')).toBeNull());
    await loaded('4 of 4 repositories');
    expect(document.activeElement).toBe(filter);
    expect(filter.value).toBe('repo 2');
    // The fields the user is not in still follow the app's state.
    expect((screen.getByRole('combobox', { name: 'Sort by' }) as HTMLSelectElement).value).toBe('updated');
  });
});

describe('a new sign-in', () => {
  it('clears the previous user’s cached list before going to Bitbucket', async () => {
    const storage = memoryStorage();
    const first = startHarness({ storage, workspaces: { ada: many('ada', 3) } });
    await loaded('3 repositories');
    first.advance(0);
    expect(storage.keys()).toContain(CACHE_KEY);

    // Near expiry the app offers to reconnect; whoever signs in at Bitbucket may be someone else.
    first.advance(3600e3 - 4 * 60e3);
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    await waitFor(() => expect(first.navigations).toHaveLength(1));
    expect(storage.keys()).not.toContain(CACHE_KEY);

    // Back from Bitbucket as another user: nothing of Ada's list shows, not even for a moment.
    const held = gate();
    startHarness({
      storage,
      workspaces: { grace: many('grace', 2) },
      api: { user: { type: 'user', display_name: 'Grace Hopper', nickname: 'grace' }, intercept: () => held.opened.then(() => undefined) },
    });
    expect((await screen.findByRole('status')).textContent).toMatch(/Loading repositories/);
    expect(screen.queryByText('ada repo 0')).toBeNull();
    held.open();
    await loaded('2 repositories');
    expect(screen.getByText('Grace Hopper')).toBeTruthy();
    expect(screen.queryByText('ada repo 0')).toBeNull();
  });
});
