import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, loadedStatus, signIn, test } from './fixtures.ts';
import { E2E } from './ports.ts';

// axe takes a few seconds a page here; the list tests run it several times.
test.describe.configure({ timeout: 120_000 });

/** A data set small enough for axe to walk quickly, with every kind of repository in it. */
const SMALL = [
  { slug: 'dana-demo', name: 'Dana Demo', repositories: 12 },
  { slug: 'tiny-studio', name: 'Tiny Studio', repositories: 5 },
  { slug: 'acme-platform', name: 'Acme Platform', repositories: 30 },
];

/** axe-core's WCAG 2.x A/AA rules and best practices, on the whole page. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`no violations on the landing page (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
    expect(await violations(page)).toEqual([]);
  });

  test(`no violations on a phone, with the demo banner and the guide's relay lesson (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(`${E2E.demoOrigin}/`);
    await expect(page.getByRole('complementary', { name: 'Demo mode' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Sessions that last: the relay as a token-mediating backend' })).toBeAttached();
    expect(await violations(page)).toEqual([]);
  });

  test(`no violations on the loaded list, the filtered list and the session warning (${scheme})`, async ({ page, sim }) => {
    await sim.configure({ workspaces: SMALL });
    await page.emulateMedia({ colorScheme: scheme });
    // Entries out of view are not laid out (content-visibility: auto), so axe would measure their
    // link and "Branches" button as overlapping boxes: a window tall enough to lay the list out.
    await page.setViewportSize({ width: 1280, height: 6000 });
    await page.clock.install();
    await signIn(page);
    await loadedStatus(page);
    expect(await violations(page)).toEqual([]);
    await page.getByRole('searchbox', { name: /filter repositories/i }).fill('service');
    await expect(page.getByRole('status')).toHaveText(/ of /);
    expect(await violations(page)).toEqual([]);
    await page.clock.fastForward((7200 - 3 * 60) * 1000);
    await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();
    expect(await violations(page)).toEqual([]);
  });
}

test('each diagram in the guide is an image named by its title and described in words, step by step', async ({ page }) => {
  await page.goto('/');
  const implicit = page.getByRole('img', { name: 'The implicit grant in five steps' });
  await expect(implicit).toHaveAccessibleDescription(/^A sequence diagram with three columns: .* Step 5, the app calls the API/);
  const relay = page.getByRole('img', { name: 'Sign-in and renewal through the relay, in nine steps' });
  await expect(relay).toHaveAccessibleDescription(
    /^A sequence diagram with three columns: this app in your browser \(the client\), the relay/,
  );
  const description = (await relay.getAttribute('aria-describedby')) ?? '';
  const words = ((await page.locator(`#${description}`).textContent()) ?? '').replace(/\s+/g, ' ');
  for (let step = 1; step <= 9; step++) expect(words).toMatch(new RegExp(`[Ss]tep ${step}, `));
  for (const part of [
    '/relay/authorize',
    'response_type=code',
    '/relay/callback',
    'HttpOnly cookie',
    '/oauth-callback',
    'sessionStorage',
    'POST /relay/token',
    'X-Bitbucket-Relay: 1',
    'grant_type=refresh_token',
    'new refresh token',
  ])
    expect(words).toContain(part);
  // Every step the picture numbers, the words describe.
  expect(await relay.locator('.flow-num-text').count()).toBe(9);
});

for (const scheme of ['light', 'dark'] as const) {
  test(`every text in the guide's diagrams has a contrast of at least 4.5:1 (${scheme}), which axe does not check in SVG`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    const low = await page.locator('#guide svg.flow').evaluateAll((svgs) => {
      const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const luminance = (colour: string) => {
        const [r = 0, g = 0, b = 0] = rgb(colour).map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const contrast = (a: string, b: string) => {
        const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (high! + 0.05) / (low! + 0.05);
      };
      // Text stands on the page (with a halo of the page's colour), in a box, or in a step's circle.
      const grounds = [getComputedStyle(document.body).backgroundColor, getComputedStyle(svgs[0]!.querySelector('.flow-box')!).fill];
      return svgs.flatMap((svg) =>
        [...svg.querySelectorAll('text')].flatMap((text) => {
          const fill = getComputedStyle(text).fill;
          const worst = Math.min(...grounds.map((ground) => contrast(fill, ground)));
          return worst < 4.5 ? [`"${text.textContent}" ${fill}: ${worst.toFixed(2)}`] : [];
        }),
      );
    });
    expect(low).toEqual([]);
  });
}

test('no violations on the error states', async ({ page, sim }) => {
  // A window tall enough to lay the whole list out (see the loaded-list test above).
  await page.setViewportSize({ width: 1280, height: 6000 });
  // An API error, with its retry.
  await sim.configure({ workspaces: SMALL, faults: [{ path: '/user/workspaces', kind: 'not-json' }] });
  await signIn(page);
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await violations(page)).toEqual([]);
  // A workspace that failed alone.
  await sim.configure({ faults: [{ path: '^/2\\.0/repositories/tiny-studio', kind: 'status', status: 404 }] });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('button', { name: 'Retry tiny-studio' })).toBeVisible();
  expect(await violations(page)).toEqual([]);
  // A missing permission, and a removed endpoint.
  await sim.configure({ faults: [{ path: '^/2\\.0/repositories/', kind: 'status', status: 403 }] });
  await page.getByRole('button', { name: 'Retry tiny-studio' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Repositories: Read');
  expect(await violations(page)).toEqual([]);
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'status', status: 410 }] });
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('removed this endpoint');
  expect(await violations(page)).toEqual([]);
  // The session ended (a refused token).
  await sim.configure({ faults: [{ path: '^/2\\.0/user\\b', kind: 'status', status: 401 }] });
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('session has ended');
  expect(await violations(page)).toEqual([]);
});

test('no violations on the callback failure page', async ({ page }) => {
  await page.goto('/oauth-callback#error=access_denied');
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test('the whole flow works with the keyboard alone, and focus lands on the main heading after the callback', async ({ page }) => {
  await page.goto('/');
  /** Presses Tab until the focused element has `name`; fails after 15 presses. */
  const tabTo = async (name: RegExp) => {
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      if (name.test(focused)) return;
    }
    throw new Error(`no focusable element named ${name}`);
  };
  await tabTo(/sign in with bitbucket/i);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Grant access' })).toBeVisible();
  await tabTo(/^Grant access$/);
  await page.keyboard.press('Enter');
  await loadedStatus(page);
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  // From the heading, Tab reaches Sign out, then the filter; typing filters.
  await tabTo(/^Sign out$/);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('searchbox', { name: /filter repositories/i })).toBeFocused();
  await page.keyboard.type('service');
  await expect(page.getByRole('status')).toHaveText(/ of /);
  // The first result is reachable and is a link.
  await page.keyboard.press('Tab'); // sort
  await page.keyboard.press('Tab'); // workspace
  await page.keyboard.press('Tab'); // visibility
  await page.keyboard.press('Tab'); // language
  await page.keyboard.press('Tab');
  const first = page.getByRole('list', { name: 'Repositories' }).getByRole('link').first();
  await expect(first).toBeFocused();
  // Sign out with the keyboard: focus goes back to the heading, with sign-in offered.
  await page.getByRole('button', { name: /sign out/i }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('progress and errors are announced: a live status region, and errors as alerts', async ({ page, sim }) => {
  await sim.configure({ latencyMs: 300 });
  await signIn(page);
  const status = page.getByRole('status');
  await expect(status).toHaveText(/Loading repositories/);
  await expect(page.getByRole('list', { name: 'Repositories' })).toHaveAttribute('aria-busy', 'true');
  await loadedStatus(page);
  await expect(page.getByRole('list', { name: 'Repositories' })).toHaveAttribute('aria-busy', 'false');
});
