/**
 * The Flow inspector's part of `npm run bench` (alone: `npm run bench:inspector`): what the
 * inspector costs, in Chromium, with 10,000 repositories. The same signed-in tab loads the whole list again and again, with the inspector
 * closed and with it open during the load, in alternation (so drift on a busy machine hits both
 * alike), then the filter is typed into with it closed and open. Prints medians and the ratio
 * open / closed; asserts nothing.
 */
import { pathToFileURL } from 'node:url';
import { chromium as playwright, type Page } from 'playwright-core';
import { startSimulator } from '../sim/index.ts';
import { benchClient, serveApp } from './bench-load.ts';
import chromium from './chromium.json' with { type: 'json' };

const APP_PORT = 4193;
const REPOSITORIES = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const QUERIES = ['service', 'api gateway', 'ops'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** One full load of the list in the signed-in tab: ms from navigation to "10000 repositories", and from the last data. */
async function load(page: Page, inspector: boolean): Promise<{ total: number; afterData: number; rows: number }> {
  // Without the cached list, the app loads everything from the API again.
  await page.evaluate(() => sessionStorage.removeItem('bitbucket-starter:repositories:v1'));
  await page.reload();
  if (inspector) await page.getByRole('button', { name: /flow inspector/i }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `${REPOSITORIES} repositories` })
    .waitFor({ timeout: 120_000 });
  const marks = await page.evaluate(() => (window as unknown as { __bench: { lastData: number; complete: number } }).__bench);
  const rows = inspector ? await page.getByRole('table', { name: 'API requests' }).locator('tbody tr').count() : 0;
  return { total: marks.complete, afterData: marks.complete - marks.lastData, rows };
}

/** Types and erases the queries one character at a time: script, style and layout per keystroke (ms). */
function keystrokes(page: Page): Promise<number[]> {
  return page.evaluate(async (queries) => {
    const input = document.querySelector<HTMLInputElement>('#repo-filter');
    if (!input) throw new Error('no filter box');
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const work: number[] = [];
    for (const query of queries) {
      const values = [...Array(query.length).keys()].map((n) => query.slice(0, n + 1));
      for (const value of [...values, ...values.reverse().slice(1), '']) {
        await frame();
        const started = performance.now();
        input.value = value;
        input.dispatchEvent(new InputEvent('input', { bubbles: true }));
        document.querySelector('[aria-label="Repositories"] li:last-child')?.getBoundingClientRect();
        work.push(performance.now() - started);
      }
    }
    return work;
  }, QUERIES);
}

/** Loads and filters 10,000 repositories with the inspector closed and open; prints the figures. */
export async function inspectorBench(executablePath: string): Promise<void> {
  const sim = await startSimulator({
    workspaces: [
      { slug: 'alpha', name: 'Alpha', repositories: 4000 },
      { slug: 'beta', name: 'Beta', repositories: 3000 },
      { slug: 'gamma', name: 'Gamma', repositories: 2000 },
      { slug: 'delta', name: 'Delta', repositories: REPOSITORIES - 9000 },
    ],
    clients: [benchClient(APP_PORT)],
  });
  const app = await serveApp(sim, APP_PORT);
  const browser = await playwright.launch({ executablePath, args: ['--headless', ...chromium.args] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // tsx compiles the functions below with esbuild's `__name` helper, which the page lacks.
    await page.addInitScript('globalThis.__name = (target) => target;');
    // Instruments of the benchmark, in every page before the app runs: when the last repository
    // page's answer ended, and when the status first said the list was complete.
    await page.addInitScript((total) => {
      const marks = { lastData: 0, complete: 0 };
      Object.assign(window, { __bench: marks });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as PerformanceResourceTiming[])
          if (entry.name.includes('/repositories/')) marks.lastData = Math.max(marks.lastData, entry.responseEnd);
      }).observe({ type: 'resource', buffered: true });
      new MutationObserver(() => {
        if (!marks.complete && document.querySelector('[role="status"]')?.textContent === `${total} repositories`)
          marks.complete = performance.now();
      }).observe(document, { subtree: true, childList: true, characterData: true });
    }, REPOSITORIES);

    await page.goto(`${app.origin}/`);
    await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${REPOSITORIES} repositories` })
      .waitFor({ timeout: 120_000 });

    const closed: Array<Awaited<ReturnType<typeof load>>> = [];
    const open: typeof closed = [];
    await load(page, false); // warm-up: the browser's caches and the JIT, for both arms alike
    for (let round = 0; round < ROUNDS; round++) {
      closed.push(await load(page, false));
      open.push(await load(page, true));
    }
    // Keystrokes on the list as it stands, the inspector open (as the last load left it) and closed, twice in turn.
    const typedOpen: number[] = [];
    const typedClosed: number[] = [];
    for (const typed of [typedOpen, typedClosed, typedOpen, typedClosed]) {
      typed.push(...(await keystrokes(page)));
      await page.getByRole('button', { name: /flow inspector/i }).click();
    }

    const row = (label: string, a: number[], b: number[], digits = 0) => {
      const [c, o] = [median(a), median(b)];
      console.log(
        `  ${label.padEnd(38)} closed ${c.toFixed(digits).padStart(6)} ms   open ${o.toFixed(digits).padStart(6)} ms   open/closed ${(o / c).toFixed(2)}`,
      );
    };
    console.log(`Flow inspector, Chromium, ${REPOSITORIES} repositories, ${ROUNDS} loads each way (medians):`);
    row(
      'navigation to the whole list loaded',
      closed.map((r) => r.total),
      open.map((r) => r.total),
    );
    row(
      'last data to the list usable',
      closed.map((r) => r.afterData),
      open.map((r) => r.afterData),
    );
    row('filter keystroke (script+style+layout)', typedClosed, typedOpen, 1);
    console.log(
      `  spread of the loads: closed ${Math.round(Math.min(...closed.map((r) => r.total)))}–${Math.round(Math.max(...closed.map((r) => r.total)))} ms, open ${Math.round(Math.min(...open.map((r) => r.total)))}–${Math.round(Math.max(...open.map((r) => r.total)))} ms`,
    );
    console.log(`  rows in the inspector's "API requests" table after a load: ${open.map((r) => r.rows).join(', ')}`);
  } finally {
    await browser.close();
    await app.close();
    await sim.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await inspectorBench(process.env.CHROME_PATH ?? chromium.path);
