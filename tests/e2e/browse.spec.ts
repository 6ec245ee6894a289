import { expect, loadedStatus, signIn, test } from './fixtures.ts';

test('loads the remaining pages of a workspace in parallel once the first page gives the total', async ({ page, sim }) => {
  const latency = 150;
  await sim.configure({
    latencyMs: latency,
    workspaces: [
      { slug: 'big', name: 'Big', repositories: 450 },
      { slug: 'small', name: 'Small', repositories: 20 },
    ],
  });
  await signIn(page);
  expect(await loadedStatus(page)).toBe('470 repositories');
  const requests = (await sim.requests()).filter(
    (r) => r.server === 'api' && r.method === 'GET' && r.url.includes('/2.0/repositories/big'),
  );
  const pages = requests.map((r) => ({ page: new URL(r.url, 'http://x').searchParams.get('page'), time: r.time }));
  expect(pages.map((p) => p.page).sort()).toEqual(['2', '3', '4', '5', null]);
  const first = pages.find((p) => p.page === null)?.time ?? 0;
  const rest = pages.filter((p) => p.page !== null).map((p) => p.time);
  // Pages 2–5 all arrived within one latency of each other: asked for together, not one after another.
  expect(Math.max(...rest) - Math.min(...rest)).toBeLessThan(latency);
  expect(Math.min(...rest)).toBeGreaterThan(first);
  // Each asked only for the fields the list shows, 100 at a time.
  for (const request of requests) {
    const url = new URL(request.url, 'http://x');
    expect(url.searchParams.get('pagelen')).toBe('100');
    expect(url.searchParams.get('fields')).toContain('values.links.html.href');
  }
});

test('falls back to following next when pages carry no numbers (opaque cursors), showing each repository once', async ({ page, sim }) => {
  await sim.configure({ pagination: 'cursor', workspaces: [{ slug: 'cursor', name: 'Cursor', repositories: 333 }] });
  await signIn(page);
  expect(await loadedStatus(page)).toBe('333 repositories');
  const names = await page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').getByRole('link').allTextContents();
  expect(names).toHaveLength(333);
  expect(new Set(names).size).toBe(333);
});

test('a numbered page that comes back wrong is recovered by following next: nothing lost, nothing twice', async ({ page, sim }) => {
  await sim.configure({
    workspaces: [{ slug: 'flaky', name: 'Flaky', repositories: 420 }],
    faults: [{ path: '^/2\\.0/repositories/flaky\\?.*page=3', kind: 'wrong-shape', times: 1 }],
  });
  await signIn(page);
  expect(await loadedStatus(page)).toBe('420 repositories');
  const hrefs = await page
    .getByRole('list', { name: 'Repositories' })
    .getByRole('link')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  expect(new Set(hrefs).size).toBe(420);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('filter, sort and facets; the query lives in the address, so a reload or a shared link keeps it', async ({ page }) => {
  await signIn(page);
  const total = Number(/^(\d+)/.exec(await loadedStatus(page))?.[1]);
  const list = page.getByRole('list', { name: 'Repositories' });

  const search = page.getByRole('searchbox', { name: /filter repositories/i });
  await search.fill('service');
  await expect(page.getByRole('status')).toHaveText(new RegExp(`^\\d+ of ${total} repositories$`));
  const shown = Number(/^(\d+)/.exec((await page.getByRole('status').textContent()) ?? '')?.[1]);
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(total);
  await expect(list.getByRole('listitem')).toHaveCount(shown);
  for (const text of await list.getByRole('listitem').allTextContents()) expect(text.toLowerCase()).toContain('service');
  await expect(page).toHaveURL(/\?q=service$/);

  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
  await expect(page).toHaveURL(/\?q=service&sort=name$/);
  const names = await list.getByRole('listitem').locator('.repo-name').allTextContents();
  expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true })));

  await page.getByRole('combobox', { name: 'Visibility' }).selectOption('private');
  await expect(page.getByRole('status')).toHaveText(/^\d+ of \d+ repositories$/);
  for (const badge of await list.locator('.badge').allTextContents()) expect(badge).toBe('Private');

  await page.reload();
  await expect(search).toHaveValue('service');
  await expect(page.getByRole('combobox', { name: 'Sort by' })).toHaveValue('name');
  await expect(page.getByRole('combobox', { name: 'Visibility' })).toHaveValue('private');
  await expect(page.getByRole('status')).toHaveText(/^\d+ of \d+ repositories$/);

  // A shared link with a workspace filter.
  await page.goto('/?workspace=tiny-studio');
  await expect(page.getByRole('combobox', { name: 'Workspace' })).toHaveValue('tiny-studio');
  await expect(page.getByRole('status')).toHaveText(`5 of ${total} repositories`);
  await expect(list.getByRole('listitem')).toHaveCount(5);

  await page.getByRole('combobox', { name: 'Workspace' }).selectOption('');
  await page.getByRole('combobox', { name: 'Language' }).selectOption({ index: 1 });
  const language = await page.getByRole('combobox', { name: 'Language' }).inputValue();
  await expect(page).toHaveURL(new RegExp(`language=${encodeURIComponent(language)}`));
  for (const item of await list.getByRole('listitem').allTextContents()) expect(item).toContain(language);
});

test('ten thousand repositories: all counted, a first batch shown, the rest a click away', async ({ page, sim }) => {
  await sim.configure({ workspaces: [{ slug: 'huge', name: 'Huge', repositories: 10_000 }] });
  await signIn(page);
  expect(await loadedStatus(page)).toBe('10000 repositories');
  const list = page.getByRole('list', { name: 'Repositories' });
  await expect(list.getByRole('listitem')).toHaveCount(500);
  await page.getByRole('button', { name: /show 500 more/i }).click();
  await expect(list.getByRole('listitem')).toHaveCount(1000);
  // Focus moves to the first of the new ones, so a keyboard user carries on from there.
  await expect(list.getByRole('listitem').nth(500).getByRole('link')).toBeFocused();
  await page.getByRole('searchbox', { name: /filter repositories/i }).fill('zzzz-no-such-repository');
  await expect(page.getByRole('status')).toHaveText('0 of 10000 repositories');
  await expect(page.getByText('No repository matches these filters.')).toBeVisible();
});
