/**
 * Over HTTP/2, as browsers reach api.bitbucket.org: no round of requests waits for the main
 * thread. Read from the simulator's request log, a structural check of which request waited for
 * which answer, not a timing of the whole load.
 */
import { expect, test } from '@playwright/test';
import { benchClient, serveApp, type ServedApp } from '../../scripts/bench-load.ts';
import { startSimulator, type SimRequestRecord, type Simulator } from '../../sim/index.ts';
import { E2E } from './ports.ts';

const WORKSPACES = [
  { slug: 'big', name: 'Big', repositories: 1000 },
  { slug: 'medium', name: 'Medium', repositories: 300 },
  { slug: 'small', name: 'Small', repositories: 20 },
  { slug: 'empty', name: 'Empty', repositories: 0 },
];
const LATENCY_MS = 50;
/** How soon after an answer the requests it made known must have left (issue 10, item 3). */
const DISPATCH_MS = 15;

// The simulator's certificate is made at start and trusted by no one: this browser context is told
// to accept it, for this test only.
test.use({ ignoreHTTPSErrors: true });

let sim: Simulator;
let app: ServedApp;
test.beforeAll(async () => {
  test.setTimeout(60_000);
  sim = await startSimulator({ http2: true, latencyMs: LATENCY_MS, workspaces: WORKSPACES, clients: [benchClient(E2E.http2AppPort)] });
  app = await serveApp(sim, E2E.http2AppPort);
});
test.afterAll(async () => {
  await app?.close();
  await sim?.close();
});

test('over HTTP/2, each round of requests leaves within 15 ms of the answer that made it known', async ({ page }) => {
  await page.goto(`${app.origin}/`);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  sim.clearRequests();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await expect(page.getByRole('status').filter({ hasText: /^1320 repositories$/ })).toBeVisible({ timeout: 20_000 });

  const log = sim.requests().filter((record) => record.server === 'api');
  expect(new Set(log.map((record) => record.protocol))).toEqual(new Set(['h2']));
  const gets = log.filter((record) => record.method === 'GET');
  // A request starts with its preflight, when it has one: that is when it left the browser.
  const started = (get: SimRequestRecord) => Math.min(...log.filter((record) => record.url === get.url).map((record) => record.time));
  const late: string[] = [];
  const check = (request: SimRequestRecord, cause: SimRequestRecord) => {
    const waited = started(request) - cause.answeredTime;
    if (waited > DISPATCH_MS) late.push(`${path(request)} left ${Math.round(waited)} ms after ${path(cause)} was answered`);
  };

  const find = (pattern: RegExp) => gets.filter((record) => pattern.test(path(record)));
  const [user] = find(/^\/2\.0\/user\?|^\/2\.0\/user$/);
  const [workspaces, ...moreWorkspacePages] = find(/^\/2\.0\/user\/workspaces/);
  expect(user).toBeDefined();
  expect(workspaces).toBeDefined();
  expect(moreWorkspacePages).toEqual([]);
  if (!user || !workspaces) return;
  // Round 1: the user and the workspaces together.
  expect(Math.abs(started(user) - started(workspaces))).toBeLessThanOrEqual(DISPATCH_MS);

  for (const { slug, repositories } of WORKSPACES) {
    const pages = find(new RegExp(`^/2\\.0/repositories/${slug}\\?`));
    const [first, ...rest] = pages.sort((a, b) => pageNumber(a) - pageNumber(b));
    expect(first && pageNumber(first), slug).toBe(1);
    if (!first) continue;
    // Round 2: each workspace's first page, made known by the list of workspaces.
    check(first, workspaces);
    // Round 3: the other pages, made known by the first page's size and pagelen.
    expect(rest.map(pageNumber), slug).toEqual(Array.from({ length: Math.max(0, Math.ceil(repositories / 100) - 1) }, (_, i) => i + 2));
    for (const request of rest) check(request, first);
  }
  expect(late).toEqual([]);
});

function path(record: SimRequestRecord): string {
  const url = new URL(record.url);
  return url.pathname + url.search;
}

function pageNumber(record: SimRequestRecord): number {
  return Number(new URL(record.url).searchParams.get('page') ?? 1);
}
