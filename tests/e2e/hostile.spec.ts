import { expect, loadedStatus, signIn, test } from './fixtures.ts';

test('hostile repository and user data renders as text, no script runs, unsafe links are not links', async ({ page, sim }) => {
  await sim.configure({ hostile: true });
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signIn(page);
  await loadedStatus(page);
  const list = page.getByRole('list', { name: 'Repositories' });

  // Text that looks like HTML is shown as that text, and no element came from it.
  await expect(list.getByRole('link', { name: '<img src=x onerror=alert(1)>' }).first()).toBeVisible();
  await expect(list.getByText('<script>alert(1)</script>').first()).toBeVisible();
  await expect(page.getByText(/Signed in as Dana <img src=x onerror=alert\(1\)>/)).toBeVisible();
  expect(await page.locator('main img, main script, main iframe').count()).toBe(0);

  // A link that is not https: (nor the API's own scheme, http: for the simulator) is not a link.
  for (const name of ['hostile-javascript-link', 'hostile-data-link', 'hostile-userinfo-link']) {
    await expect(list.getByText(name, { exact: true })).toBeVisible();
    await expect(list.getByRole('link', { name, exact: true })).toHaveCount(0);
  }
  const hrefs = await list.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  for (const href of hrefs) expect(href).toMatch(/^https?:\/\/[^/@]+\//);

  // A huge description is cut for display; the page stays responsive.
  await page.getByRole('searchbox', { name: /filter repositories/i }).fill('hostile-huge');
  await expect(page.getByRole('status')).toHaveText(/^1 of \d+ repositories$/);
  expect(dialogs).toEqual([]);
});

test('a name with U+202E (right-to-left override) reorders nothing shown around it: every piece of Bitbucket text is isolated', async ({
  page,
  sim,
}) => {
  await sim.configure({ hostile: true });
  await signIn(page);
  await loadedStatus(page);
  await page.getByRole('searchbox', { name: /filter repositories/i }).fill('invoice');
  const item = page.getByRole('listitem').filter({ hasText: 'invoice\u202Egpj.exe' });
  await expect(item).toHaveCount(1);

  // Each element holding Bitbucket's text is its own bidi isolate (dir="auto" or <bdi>), so an
  // override inside it ends at its edge; the account name next to "Signed in as" too.
  const isolation = await page.evaluate(() =>
    [...document.querySelectorAll('#app-body [data-part="user"], #app-body .repo [data-part]')]
      .filter((element) => ['user', 'name', 'workspace', 'language', 'description'].includes(element.getAttribute('data-part') ?? ''))
      .map((element) => `${element.getAttribute('data-part') ?? ''}: ${getComputedStyle(element).unicodeBidi}`),
  );
  expect(isolation.length).toBeGreaterThan(4);
  for (const entry of isolation) expect(entry).toMatch(/: isolate$/);

  // And what it looks like: the pieces of the item's meta line stay in their order, left to right,
  // and the name's override does not reach them.
  const lefts = await item.locator('.repo-meta > *').evaluateAll((pieces) => pieces.map((piece) => piece.getBoundingClientRect().left));
  expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
});

test('an API error whose message carries U+202E shows it isolated, so no words placed after it can be reversed', async ({ page }) => {
  await page.route(/\/2\.0\/repositories\//, (route) =>
    route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ type: 'error', error: { message: 'bad \u202Erequest' } }),
    }),
  );
  await signIn(page);
  const detail = page.locator('[data-slot="detail"]').first();
  await expect(detail).toHaveText('bad \u202Erequest');
  // A retrying assertion: once, in CI, the style read between drawings of the alert came from an
  // element already replaced (no longer in the page, so its computed style was empty).
  await expect(detail).toHaveCSS('unicode-bidi', 'isolate');
});
