/**
 * Bounded whatever the API sends (issue 10, item 4): a total beyond the bounds is not planned for;
 * the pages that really come are followed.
 */
import type { Page } from '@playwright/test';
import type { SimRequestRecord } from '../../sim/index.ts';
import { expect, signIn, test, type SimulatorControl } from './fixtures.ts';

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

test('a first page claiming 10,000,000 repositories is not planned for: the real pages are followed, all listed', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: FIRST_PAGES.replace('[^/?]+', 'acme-platform'), kind: 'size', size: 10_000_000 }] });
  await signIn(page);
  await expect(page.getByRole('status').filter({ hasText: /^\d+ repositories$/ })).toBeVisible();
  const log = await settled(sim);
  // Not 99,999 pages asked for: the 3 real pages of its 288 repositories, one after the other.
  expect(repositoryPages(log, 'acme-platform').map((record) => new URL(record.url).searchParams.get('page'))).toEqual([null, '2', '3']);
  await expectListed(page, ['ledger-bot', 'scheduler-site-2', 'catalog-cli']);
});
