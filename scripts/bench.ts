/**
 * `npm run bench`: how fast the app gets every repository on screen, in Chromium, against the
 * straightforward client (one page after another, full objects), in the same run, over HTTP/2
 * (as browsers reach api.bitbucket.org) and over HTTP/1.1 (at most 6 connections to a host).
 * The simulator adds 50 ms to every request, CORS preflights included (a browser sends one before
 * each URL that carries an `Authorization` header). Two floors in the same run: the fetch-only
 * client (the app's requests in Chromium, nothing rendered) and the same requests from Node with
 * no browser (the simulator's and the machine's share). Then: a reload from the list kept for the
 * session, rendering and filtering 10,000 repositories, and the same with the Flow inspector open
 * against it closed. Prints figures and ratios; asserts nothing. Takes a few minutes.
 *
 * `BENCH_LATENCY_MS` (default 50) and `BENCH_RUNS` (default 3; each figure is the median) change
 * the set-up. To compare a variant of the app, add a run to `RUNS` with a `setup`.
 */
import { existsSync } from 'node:fs';
import { chromium as playwright, type Browser } from 'playwright-core';
import { startSimulator } from '../sim/index.ts';
import chromium from './chromium.json' with { type: 'json' };
import { benchClient, benchClock, measureLoad, measureReload, measureWithoutBrowser, serveApp } from './bench-load.ts';
import type { LoadFigures, LoadRun, LoadTarget, ReloadFigures } from './bench-load.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const REPEATS = Number(process.env.BENCH_RUNS ?? 3);
const WORKSPACES = [
  { slug: 'big', name: 'Big', repositories: 1000 },
  { slug: 'medium', name: 'Medium', repositories: 300 },
  { slug: 'small', name: 'Small', repositories: 20 },
  { slug: 'empty', name: 'Empty', repositories: 0 },
];
const TOTAL = WORKSPACES.reduce((sum, workspace) => sum + workspace.repositories, 0);
const PROTOCOLS = [
  { name: 'HTTP/2', http2: true, appPort: 4191 },
  { name: 'HTTP/1.1', http2: false, appPort: 4192 },
] as const;

/**
 * What is compared, in this order; the first is the baseline the ratios are against. The
 * fetch-only client makes the app's requests and does nothing else: its figures are this
 * machine's floor (Chromium's network stack and the simulator, sharing the cores), which the
 * app's own work can only add to.
 */
const RUNS: LoadRun[] = [
  { name: 'straightforward', client: 'straightforward' },
  { name: 'app loader', client: 'app' },
  { name: 'fetch only', client: 'fetch-only' },
];

/** A simulator, an app build pointed at it, and `vite preview` serving the build. */
async function startTarget(protocol: (typeof PROTOCOLS)[number]): Promise<LoadTarget & { close: () => Promise<void> }> {
  const sim = await startSimulator({
    http2: protocol.http2,
    latencyMs: LATENCY_MS,
    workspaces: WORKSPACES,
    clients: [benchClient(protocol.appPort)],
    // Sub-millisecond, and on the wall clock, as the page's marks are.
    now: benchClock,
  });
  const app = await serveApp(sim, protocol.appPort).catch(async (error: unknown) => {
    await sim.close();
    throw error;
  });
  return {
    sim,
    appOrigin: app.origin,
    latencyMs: LATENCY_MS,
    total: TOTAL,
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** Each numeric figure's median over the repeats. */
function medians<T extends object>(samples: T[]): T {
  const first = samples[0] as T;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    out[key] = typeof value === 'number' ? median(samples.map((sample) => (sample as Record<string, number>)[key] ?? NaN)) : value;
  }
  return out as T;
}

const ms = (n: number) => `${Math.round(n)} ms`;
const COLUMNS = [
  'latencies',
  'first repo',
  'usable',
  'last answer→usable',
  'in page→usable',
  'bytes/repo',
  'requests + preflights',
  'wire',
];

function row(run: LoadRun, f: LoadFigures): string[] {
  // The fetch-only client puts no repository on screen: it has no first one, and its "usable" is all the data in the page.
  const onScreen = run.client !== 'fetch-only';
  return [
    run.name,
    f.latencies.toFixed(1),
    onScreen ? ms(f.firstRepositoryMs) : '–',
    ms(f.usableMs),
    ms(f.lastAnswerToUsableMs),
    ms(f.inPageToUsableMs),
    String(Math.round(f.bytesPerRepository)),
    `${f.requests} + ${f.preflights}`,
    f.protocol,
  ];
}

function print(rows: string[][]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length))) ?? [];
  for (const cells of rows)
    console.log(
      cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '),
    );
}

async function measureProtocol(browser: Browser, protocol: (typeof PROTOCOLS)[number]): Promise<void> {
  const target = await startTarget(protocol);
  try {
    const samples = new Map<string, LoadFigures[]>(RUNS.map((run) => [run.name, []]));
    const reloads: ReloadFigures[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      // Alternating the order, so neither client always goes first on a machine that warms up.
      for (const run of repeat % 2 ? [...RUNS].reverse() : RUNS) {
        const { figures, page } = await measureLoad(browser, target, run);
        samples.get(run.name)?.push(figures);
        if (run.client === 'app' && run === RUNS.find((candidate) => candidate.client === 'app'))
          reloads.push(await measureReload(page, target));
        await page.context().close();
      }
    }
    const withoutBrowser: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) withoutBrowser.push(await measureWithoutBrowser(target));
    const results = RUNS.map((run) => [run, medians(samples.get(run.name) ?? [])] as const);
    console.log(`\n${protocol.name} (median of ${REPEATS}):`);
    print([['client', ...COLUMNS], ...results.map(([run, figures]) => row(run, figures))]);
    const [baselineRun, baseline] = results[0] ?? [];
    for (const [run, figures] of results.slice(1)) {
      if (!baseline || !baselineRun || run.client === 'fetch-only') continue;
      console.log(
        `ratios, ${run.name} vs ${baselineRun.name}: critical path ${(baseline.latencies / figures.latencies).toFixed(1)}× shorter, ` +
          `first repository ${(baseline.firstRepositoryMs / figures.firstRepositoryMs).toFixed(1)}× sooner, ` +
          `usable ${(baseline.usableMs / figures.usableMs).toFixed(1)}× sooner, ` +
          `bytes per repository ${((figures.bytesPerRepository / baseline.bytesPerRepository) * 100).toFixed(1)}%`,
      );
      const floor = results.find(([candidate]) => candidate.client === 'fetch-only')?.[1];
      if (floor)
        console.log(
          `${run.name} vs fetch only (this machine's floor): critical path ${(figures.latencies / floor.latencies).toFixed(2)}× as long ` +
            `(${figures.latencies.toFixed(1)} against ${floor.latencies.toFixed(1)} latencies; the network's floor is 6.0)`,
        );
    }
    console.log(
      `the same requests from Node, no browser (the simulator's and the machine's share): ${median(withoutBrowser).toFixed(1)} latencies ` +
        `(${withoutBrowser.map((latencies) => latencies.toFixed(1)).join(', ')})`,
    );
    const reload = medians(reloads);
    console.log(
      `reload with the list kept for the session: list painted ${ms(reload.listPaintedMs)} after navigation start ` +
        `(in the page at ${ms(reload.listInPageMs)}), ${reload.requestsBeforePaint} requests before it; ` +
        `the background refresh's first request at ${reload.firstRequestMs === null ? 'none' : ms(reload.firstRequestMs)}`,
    );
  } finally {
    await target.close();
  }
}

const executablePath = process.env.CHROME_PATH ?? chromium.path;
if (!existsSync(executablePath)) {
  console.error(`No Chromium at ${executablePath}: the benchmark runs in Chromium (apt-get install -y chromium, or set CHROME_PATH).`);
  process.exit(1);
}

console.log(
  `Loading ${TOTAL} repositories in ${WORKSPACES.length} workspaces (${WORKSPACES.map((w) => w.repositories).join(', ')}) in Chromium, ` +
    `${LATENCY_MS} ms per request, preflights included. Times from the first request reaching the simulator; ` +
    `latencies = first request to last answer, in units of ${LATENCY_MS} ms. The floor is 6.0: three dependent rounds ` +
    `(the workspaces, their first pages, the other pages), each a preflight and a GET.`,
);
// The certificate is the simulator's own, made at start: trusted here, in a benchmark, only.
const browser = await playwright.launch({ executablePath, args: ['--headless', ...chromium.args, '--ignore-certificate-errors'] });
try {
  for (const protocol of PROTOCOLS) await measureProtocol(browser, protocol);
} finally {
  await browser.close();
}

const { browserBench } = await import('./bench-browser.ts');
console.log('');
await browserBench(executablePath);

const { inspectorBench } = await import('./bench-inspector.ts');
console.log('');
await inspectorBench(executablePath);
