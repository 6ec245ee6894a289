/**
 * The branches worked example in a real browser, against the simulator: the contract in issue
 * 11 (a "Branches" button in each entry; a list named "Branches of {full_name}" with one item per
 * branch; pressing again hides it), from the keyboard, with no accessibility violations.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, loadedStatus, signIn, test } from './fixtures.ts';

test('a repository’s branches open and close from its "Branches" button, with the keyboard', async ({ page }) => {
  // axe over the whole loaded list (500 entries shown) takes a while on a busy machine.
  test.slow();
  await signIn(page);
  await loadedStatus(page);
  const item = page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').first();
  const toggle = item.getByRole('button', { name: /branches/i });
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const branches = item.getByRole('list', { name: /^Branches of [\w.-]+\/[\w.-]+$/ });
  // The simulator's default data: the newest repository has a main branch, and maybe more.
  await expect(item.getByRole('status')).toHaveText(/^\d+ branch(es)?$/);
  await expect(branches.getByRole('listitem').first()).toHaveText(/^(main|master|develop)$/);
  expect((await new AxeBuilder({ page }).analyze()).violations).toEqual([]);
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(item.getByRole('list', { name: /^Branches of / })).toHaveCount(0);
});
