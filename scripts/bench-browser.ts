/**
 * The browser part of `npm run bench`: 10,000 repositories in Chromium. Measures, inside the
 * page, the time from the last page of data arriving to the list being usable (rendered and
 * the status saying it is done), and how long each keystroke in the filter takes to reach the
 * screen (input event to the next frame). Also prints the gzipped JavaScript of both pages.
 */
import { chromium as playwright } from 'playwright-core';
import chromium from './chromium.json' with { type: 'json' };
import { startSimulator } from '../sim/index.ts';
import { benchClient, serveApp } from './bench-load.ts';
import {
  FIRST_LOAD_BUDGET_GZIP_BYTES,
  ON_DEMAND_BUDGET_GZIP_BYTES,
  SIGNED_IN_BUDGET_GZIP_BYTES,
  firstLoadJavaScript,
  onDemandJavaScript,
  signedInJavaScript,
} from './js-size.ts';

const APP_PORT = 4190;
const REPOSITORIES = 10_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export async function browserBench(executablePath: string): Promise<void> {
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
  const pages = ['index.html', 'oauth-callback.html'];
  const sizes = [
    ['landing page, first load', firstLoadJavaScript(app.outDir, 'index.html').gzip, FIRST_LOAD_BUDGET_GZIP_BYTES],
    ['callback page, first load', firstLoadJavaScript(app.outDir, 'oauth-callback.html').gzip, FIRST_LOAD_BUDGET_GZIP_BYTES],
    ['signed-in view', signedInJavaScript(app.outDir).gzip, SIGNED_IN_BUDGET_GZIP_BYTES],
    ['on demand', onDemandJavaScript(app.outDir, pages).gzip, ON_DEMAND_BUDGET_GZIP_BYTES],
  ] as const;
  const browser = await playwright.launch({
    executablePath,
    args: ['--headless', ...chromium.args],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // tsx compiles the functions below with esbuild's `__name` helper, which the page lacks.
    await page.addInitScript('globalThis.__name = (target) => target;');
    // Test-side instruments, injected before the app runs: when the last repository page's
    // response ended, and when the status first said the list was complete.
    await page.addInitScript((total) => {
      const marks = { lastResponseEnd: 0, firstRepository: 0, complete: 0 };
      Object.assign(window, { __bench: marks });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
          if (entry.name.includes('/repositories/')) marks.lastResponseEnd = Math.max(marks.lastResponseEnd, entry.responseEnd);
        }
      }).observe({ type: 'resource', buffered: true });
      new MutationObserver(() => {
        if (!marks.firstRepository && document.querySelector('[aria-label="Repositories"] li')) marks.firstRepository = performance.now();
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
      .waitFor({ timeout: 60_000 });
    const marks = await page.evaluate(
      () => (window as unknown as { __bench: { lastResponseEnd: number; firstRepository: number; complete: number } }).__bench,
    );
    const listItems = await page.getByRole('list', { name: 'Repositories' }).getByRole('listitem').count();

    // Keystrokes: type and erase queries one character at a time, measuring in the page from the
    // input event to the frame after it (JavaScript, style, layout and paint included).
    const keystrokes = await page.evaluate(async () => {
      const input = document.querySelector<HTMLInputElement>('#repo-filter');
      if (!input) throw new Error('no filter box');
      input.focus();
      const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      const script: number[] = [];
      const work: number[] = [];
      const frame: number[] = [];
      const type = async (value: string) => {
        await nextFrame();
        const started = performance.now();
        input.value = value;
        input.dispatchEvent(new InputEvent('input', { bubbles: true, data: value.slice(-1) }));
        script.push(performance.now() - started);
        // Script, then style and layout forced now: the work the keystroke costs the main thread.
        // (The list element is looked up again: the app swaps in a fresh one on each update.)
        document.querySelector('[aria-label="Repositories"] li:last-child')?.getBoundingClientRect();
        work.push(performance.now() - started);
        await nextFrame();
        frame.push(performance.now() - started);
      };
      for (const query of ['service', 'api gateway', 'ops']) {
        for (let n = 1; n <= query.length; n++) await type(query.slice(0, n));
        for (let n = query.length - 1; n >= 0; n--) await type(query.slice(0, n));
      }
      return { script, work, frame };
    });

    console.log(`Browser (Chromium), ${REPOSITORIES} repositories:`);
    console.log(`  first repository on screen:           ${Math.round(marks.firstRepository)} ms after navigation start of the app page`);
    console.log(
      `  list usable after the last data:      ${Math.round(marks.complete - marks.lastResponseEnd)} ms (status "${REPOSITORIES} repositories", ${listItems} items rendered, the rest behind "Show more")`,
    );
    console.log(`  keystroke, script alone:              median ${median(keystrokes.script).toFixed(1)} ms`);
    console.log(
      `  keystroke, script + style + layout:   median ${median(keystrokes.work).toFixed(1)} ms, max ${Math.max(...keystrokes.work).toFixed(1)} ms over ${keystrokes.work.length} keystrokes`,
    );
    console.log(
      `  keystroke to the next frame painted:  median ${median(keystrokes.frame).toFixed(1)} ms (includes waiting for the display's next frame)`,
    );
    console.log('JavaScript, gzipped, against its budget:');
    for (const [part, bytes, budget] of sizes) console.log(`  ${`${part}:`.padEnd(28)} ${bytes} bytes of ${budget}`);
  } finally {
    await browser.close();
    await app.close();
    await sim.close();
  }
}
