import { expect, loadedStatus, signIn, test } from './fixtures.ts';

const RATE_LIMITED = 'limiting requests';

test('429 (text/plain, no Retry-After): the app backs off, says so, and carries on', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'status', status: 429, times: 2 }] });
  await signIn(page);
  await expect(page.getByText(/Bitbucket is limiting requests\. Trying again in \d+ s/)).toBeVisible();
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
  await expect(page.getByText(/Trying again/)).toHaveCount(0);
  const tries = (await sim.requests()).filter((r) => r.method === 'GET' && r.url.includes('/2.0/user/workspaces'));
  expect(tries.map((r) => r.status)).toEqual([429, 429, 200]);
  // Backing off: the waits are about 1 s, then 2 s, each scaled by a jitter in [0.5, 1.5). With the
  // jitter the second can come out shorter than the first (1,126 ms after 1,382 ms, seen once), but
  // never shorter than its own floor, which is twice the first's.
  const gaps = tries.slice(1).map((r, i) => r.time - (tries[i]?.time ?? 0));
  expect(gaps[0]).toBeGreaterThanOrEqual(500 - 20);
  expect(gaps[1]).toBeGreaterThanOrEqual(1000 - 20);
});

test('429 that does not pass: a bounded number of tries, then an error with a retry that works', async ({ page, sim }) => {
  await page.clock.install();
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'status', status: 429 }] });
  await signIn(page);
  // Skip the four waits (about 1, 2, 4 and 8 seconds, with jitter), each announced.
  for (let attempt = 1; attempt <= 4; attempt++) {
    await expect(page.getByText(new RegExp(`Trying again in \\d+ s \\(attempt ${attempt}\\)`))).toBeVisible();
    await page.clock.fastForward(25_000);
  }
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(RATE_LIMITED);
  const tries = (await sim.requests()).filter((r) => r.method === 'GET' && r.url.includes('/2.0/user/workspaces'));
  expect(tries).toHaveLength(5);
  await sim.configure({ faults: [] });
  await alert.getByRole('button', { name: 'Retry' }).click();
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
});

test('a 503 and a dropped connection are retried without bothering the user', async ({ page, sim }) => {
  await sim.configure({
    faults: [
      { path: '/user/workspaces', kind: 'status', status: 503, times: 1 },
      { path: '^/2\\.0/repositories/tiny-studio', kind: 'drop', times: 1 },
    ],
  });
  await signIn(page);
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a server error that persists: a clear error and a retry', async ({ page, sim }) => {
  // Only the list of workspaces fails: a failing /user is not fatal and gets an alert of its own,
  // with no Retry, so it is kept out of this test (it would race the one that matters).
  await sim.configure({ faults: [{ path: '^/2\\.0/user/workspaces', kind: 'status', status: 500 }] });
  await signIn(page);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Bitbucket is having trouble', { timeout: 15_000 });
  await expect(alert).toContainText('500');
  await sim.configure({ faults: [] });
  await alert.getByRole('button', { name: 'Retry' }).click();
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
});

test('offline: the app says so and continues when the browser is back online', async ({ page, context, sim }) => {
  await signIn(page);
  await loadedStatus(page);
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  // Slow answers, so that the connection is lost while the list is loading.
  await sim.configure({ latencyMs: 700 });
  await page.reload();
  await context.setOffline(true);
  await expect(page.getByText('You are offline. Loading continues when the connection is back.')).toBeVisible();
  await context.setOffline(false);
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
});

test('a body that is not JSON, or JSON of the wrong shape: a clear error, and the app keeps working', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'not-json' }] });
  await signIn(page);
  await expect(page.getByRole('alert')).toContainText('not the JSON the app expects');
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'wrong-shape' }] });
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('alert')).toContainText('not the JSON the app expects');
  await sim.configure({ faults: [] });
  await page.getByRole('button', { name: 'Retry' }).click();
  expect(await loadedStatus(page)).toMatch(/^\d+ repositories$/);
  await page.getByRole('button', { name: /sign out/i }).click();
  await expect(page.getByRole('button', { name: /sign in with bitbucket/i })).toBeVisible();
});

test('one workspace failing does not hide the others; it says so and can be retried alone', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: '^/2\\.0/repositories/tiny-studio', kind: 'status', status: 500 }] });
  await signIn(page);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('tiny-studio', { timeout: 15_000 });
  await expect(page.getByRole('status')).toHaveText(/^\d+ repositories$/);
  const before = Number(/^(\d+)/.exec((await page.getByRole('status').textContent()) ?? '')?.[1]);
  await sim.configure({ faults: [] });
  await sim.clearRequests();
  await alert.getByRole('button', { name: 'Retry tiny-studio' }).click();
  await expect(page.getByRole('status')).toHaveText(`${before + 5} repositories`);
  await expect(page.getByRole('alert')).toHaveCount(0);
  const again = (await sim.requests()).filter((r) => r.method === 'GET').map((r) => new URL(r.url, 'http://x').pathname);
  expect(new Set(again)).toEqual(new Set(['/2.0/repositories/tiny-studio']));
});

test('403 names the permission the OAuth consumer is missing; 410 says the endpoint was removed', async ({ page, sim }) => {
  await sim.configure({ faults: [{ path: '^/2\\.0/repositories/', kind: 'status', status: 403 }] });
  await signIn(page);
  await expect(page.getByRole('alert').first()).toContainText('Repositories: Read');
  await sim.configure({ faults: [{ path: '/user/workspaces', kind: 'status', status: 410 }] });
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('Bitbucket removed this endpoint');
});
