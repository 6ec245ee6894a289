/**
 * Bounded whatever the API sends (issue 10, item 4): an API that hands out fresh `next` links for
 * ever, or first pages claiming enormous totals, end with an alert saying what was stopped, after
 * a bounded number of requests, with the repositories already loaded still listed. A total beyond
 * the bounds is not planned for at all.
 */
import type { Page } from '@playwright/test';
import type { SimRequestRecord } from '../../sim/index.ts';
import { expect, signIn, test, type SimulatorControl } from './fixtures.ts';

/** Per workspace, the pages the app may follow or plan; across a whole load, the pages. */
const PAGES_PER_WORKSPACE = 1000;
const PAGES_PER_LOAD = 2000;

// A first page of a workspace: the only one without `page=` in its query.
const FIRST_PAGES = '^/2\\.0/repositories/[^/?]+\\?(?!.*page=)';

const repositoryPages = (log: SimRequestRecord[], slug = '[^/?]+') =>
  log.filter((record) => record.method === 'GET' && new RegExp(`/2\\.0/repositories/${slug}\\?`).test(record.url));

/** Waits until the simulator has had no request for a while, and returns its log. */
async function settled(sim: SimulatorControl): Promise<SimRequestRecord[]> {
  let before = -1;
  for (;;) {
    const log = await sim.requests();
    if (log.length === before) return log;
    before = log.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Filters the list for each name (repositories of the default data, seed 1) and finds it. */
async function expectListed(page: Page, names: string[]): Promise<void> {
  const list = page.getByRole('list', { name: 'Repositories' });
  const filter = page.getByRole('searchbox', { name: 'Filter repositories' });
  for (const name of names) {
    await filter.fill(name);
    await expect(list.getByRole('link', { name, exact: true })).toBeVisible();
  }
  await filter.fill('');
}

test('fresh next links for ever: the app stops at the bound, says so, and keeps what it loaded', async ({ page, sim }) => {
  // 1,000 pages one after another, each with its preflight: about 20 s on a quiet 2-core machine,
  // past 100 s on a loaded one.
  test.setTimeout(300_000);
  await sim.configure({ faults: [{ path: '/repositories/acme-platform', kind: 'endless-next' }] });
  await signIn(page);
  // What was stopped, and why: the workspace, and its bound of pages.
  await expect(page.getByRole('alert')).toContainText(/stopped[\s\S]*acme-platform[\s\S]*1,?000 pages/, { timeout: 270_000 });

  const log = await settled(sim);
  const acme = repositoryPages(log, 'acme-platform');
  expect(acme.length).toBeGreaterThan(3); // past the 3 real pages: the fault was followed
  expect(acme.length).toBeLessThanOrEqual(PAGES_PER_WORKSPACE);
  // What came before the bound is still there: real repositories, from this workspace and others,
  // and some of those the endless pages brought.
  await expectListed(page, ['ledger-bot', 'scheduler-site-2', 'endless-300', 'catalog-cli']);
  await expect(page.getByRole('status').filter({ hasText: /^\d+ repositories$/ })).toBeVisible();
});

test('a first page claiming 10,000,000 repositories is not planned for: the real pages are followed, all listed', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: FIRST_PAGES.replace('[^/?]+', 'acme-platform'), kind: 'size', size: 10_000_000 }] });
  await signIn(page);
  await expect(page.getByRole('status').filter({ hasText: /^\d+ repositories$/ })).toBeVisible();
  const log = await settled(sim);
  // Not 99,999 pages asked for: the 3 real pages of its 288 repositories, one after the other.
  expect(repositoryPages(log, 'acme-platform').map((record) => new URL(record.url).searchParams.get('page'))).toEqual([null, '2', '3']);
  await expectListed(page, ['ledger-bot', 'scheduler-site-2', 'catalog-cli']);
});

test('every workspace claiming 100,000: the whole load stops at 2,000 pages, with an alert', async ({ page, sim }) => {
  test.setTimeout(120_000);
  const workspaces = Array.from({ length: 5 }, (_, i) => ({ slug: `claims-${i}`, name: `Claims ${i}`, repositories: 150 }));
  await sim.configure({ workspaces, faults: [{ path: FIRST_PAGES, kind: 'size', size: 100_000 }] });
  await signIn(page);
  await expect(page.getByRole('alert')).toContainText(/stopped[\s\S]*2,?000 pages/, { timeout: 100_000 });

  const log = await settled(sim);
  // Each alone is within its own bound (1,000 pages); together they would be 5,000.
  expect(repositoryPages(log).length).toBeLessThanOrEqual(PAGES_PER_LOAD);
  await expect(page.getByRole('status').filter({ hasText: /^\d+ repositories$/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').first()).toBeVisible();
});
