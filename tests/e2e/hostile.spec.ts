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
  for (const name of ['hostile-javascript-link', 'hostile-data-link']) {
    await expect(list.getByText(name, { exact: true })).toBeVisible();
    await expect(list.getByRole('link', { name, exact: true })).toHaveCount(0);
  }
  const hrefs = await list.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);

  // A huge description is cut for display; the page stays responsive.
  await page.getByRole('searchbox', { name: /filter repositories/i }).fill('hostile-huge');
  await expect(page.getByRole('status')).toHaveText(/^1 of \d+ repositories$/);
  expect(dialogs).toEqual([]);
});
