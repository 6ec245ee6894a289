/**
 * The loading part of `npm run bench`, in Chromium: one load of every repository, by the app (the
 * production build, signed in through the simulator's consent page), by the straightforward
 * client (one page after another, full objects, each page appended to a list as it comes), or by
 * the fetch-only client (the app's requests, in the app's order, and nothing else: the floor of this
 * browser, simulator and machine), each in a fresh browser context (no connection, preflight or
 * session left from the run before).
 *
 * The wire is read from the simulator's request log (when each request arrived, when its answer
 * left), the screen from marks the page takes. The two clocks (this process's and the page's) are
 * set against each other by asking the page for its time, as NTP does, to about a millisecond.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { SimRequestRecord, Simulator } from '../sim/index.ts';
import { getUser, listRepositories, listWorkspaces } from '../src/api.ts';

/** The clock the simulator's log must use: this process's, on the wall clock, sub-millisecond. */
export const benchClock = (): number => performance.timeOrigin + performance.now();

/** A production build of the app, pointed at a simulator, served by `vite preview`. */
export interface ServedApp {
  origin: string;
  /** Where the build is (for its size). */
  outDir: string;
  close(): Promise<void>;
}

/**
 * Builds the app for `sim` (whose client `bench`, see {@link benchClient}, must call back to this
 * port) and serves it on `port`, with the straightforward client's page beside it.
 */
export async function serveApp(sim: Simulator, port: number): Promise<ServedApp> {
  const outDir = mkdtempSync(join(tmpdir(), 'bitbucket-starter-bench-'));
  // Vite reads the configuration from the environment; it is put back as it was afterwards.
  const env = { VITE_BITBUCKET_CLIENT_ID: 'bench', VITE_BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl, VITE_BITBUCKET_API_URL: sim.apiBase };
  const saved = Object.keys(env).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, env);
  try {
    await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  writeFileSync(join(outDir, 'straightforward.html'), STRAIGHTFORWARD_HTML);
  const server = await preview({ logLevel: 'warn', build: { outDir }, preview: { port, strictPort: true } });
  return {
    origin: `http://localhost:${port}`,
    outDir,
    close: async () => {
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** The OAuth consumer a benchmark's simulator registers for an app served on `port`. */
export function benchClient(port: number) {
  return { clientId: 'bench', name: 'Benchmark', callbackUrl: `http://localhost:${port}/` };
}

/** One measured load. Times in ms from the first request reaching the API. */
export interface LoadFigures {
  /** GETs and CORS preflights (OPTIONS) the API answered. */
  requests: number;
  preflights: number;
  /** First request arriving to last answer leaving, in units of the configured latency. */
  latencies: number;
  firstRepositoryMs: number;
  usableMs: number;
  /** From the last answer leaving the simulator to the list being usable. */
  lastAnswerToUsableMs: number;
  /** From the last answer being in the page (its Resource Timing `responseEnd`) to the list being usable. */
  inPageToUsableMs: number;
  bytesPerRepository: number;
  /** Chromium's protocol as the simulator saw it (`h2` or `http/1.1`). */
  protocol: string;
}

/** What reloading the app shows from the list kept for the session. Times from navigation start. */
export interface ReloadFigures {
  /** The list in the page, and the frame after it (painted). */
  listInPageMs: number;
  listPaintedMs: number;
  /**
   * API requests the page began before the frame that painted the list: 0 is the goal. Read from
   * the page's Resource Timing against that frame's animation callback: a request begun in a task
   * after the frame's callbacks left after its paint, whichever task the instrument's own mark got.
   */
  requestsBeforePaint: number;
  /** When the background refresh's first request arrived (null: none came). */
  firstRequestMs: number | null;
}

/** Where a load runs: an app build and the simulator it was built against. */
export interface LoadTarget {
  sim: Simulator;
  /** The origin `vite preview` serves the build on; `/straightforward.html` is there too. */
  appOrigin: string;
  latencyMs: number;
  /** How many repositories a complete load shows. */
  total: number;
}

/**
 * One kind of load. `setup`, when given, runs on the app's landing page before sign-in: the
 * place to switch on a variant of the app (say, a panel open) and compare it with a run without.
 */
export interface LoadRun {
  name: string;
  client: 'app' | 'straightforward' | 'fetch-only';
  setup?: (page: Page) => Promise<void>;
}

/** The page's marks, on its own clock (performance.timeOrigin + performance.now()). */
interface Marks {
  firstRepository: number;
  firstPainted: number;
  /** The animation-frame callback of the frame that painted the first repository (its rendering follows). */
  firstFrame: number;
  complete: number;
  /** When the last answer from the API was in the page (Resource Timing's `responseEnd`). */
  lastResponse: number;
}

// Injected before any page script runs: when the first repository is in the page (and the frame
// after), and when a status first reads "N repositories" (loaded, rendered, nothing pending).
function instrument({ total, apiBase }: { total: number; apiBase: string }): void {
  const clock = () => performance.timeOrigin + performance.now();
  const marks = { firstRepository: 0, firstPainted: 0, firstFrame: 0, complete: 0, lastResponse: 0 };
  Object.assign(window, { __bench: marks });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as PerformanceResourceTiming[]) {
      if (entry.name.startsWith(apiBase)) marks.lastResponse = Math.max(marks.lastResponse, performance.timeOrigin + entry.responseEnd);
    }
  }).observe({ type: 'resource', buffered: true });
  const done = `${total} repositories`;
  new MutationObserver(() => {
    if (!marks.firstRepository && document.querySelector('[aria-label="Repositories"] li')) {
      marks.firstRepository = clock();
      requestAnimationFrame(() => {
        marks.firstFrame = clock();
        setTimeout(() => (marks.firstPainted = clock()), 0);
      });
    }
    if (!marks.complete && [...document.querySelectorAll('[role="status"]')].some((status) => status.textContent === done))
      marks.complete = clock();
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** The straightforward client's page: an empty list, filled by {@link straightforward}. */
export const STRAIGHTFORWARD_HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Straightforward client</title></head>
<body><p role="status"></p><ul aria-label="Repositories"></ul></body></html>
`;

// Runs in the page: what a client written without care for latency does.
async function straightforward({ apiBase, token }: { apiBase: string; token: string }): Promise<void> {
  const list = document.querySelector('ul') as HTMLUListElement;
  const status = document.querySelector('[role="status"]') as HTMLElement;
  const get = async (url: string) =>
    (await (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      values: Array<{ full_name?: string; workspace?: { slug: string } }>;
      next?: string;
    };
  let count = 0;
  await get(`${apiBase}/user`);
  const workspaces: string[] = [];
  for (let url: string | undefined = `${apiBase}/user/workspaces?pagelen=100`; url;) {
    const page = await get(url);
    workspaces.push(...page.values.map((access) => access.workspace?.slug ?? ''));
    url = page.next;
  }
  for (const slug of workspaces) {
    for (let url: string | undefined = `${apiBase}/repositories/${slug}?pagelen=100`; url;) {
      const page = await get(url);
      const items = page.values.map((repo) => Object.assign(document.createElement('li'), { textContent: repo.full_name ?? '' }));
      list.append(...items);
      count += items.length;
      url = page.next;
    }
  }
  status.textContent = `${count} repositories`;
}

/** The app's own paths (the fields it asks for included), for the fetch-only client. */
const PLACEHOLDER = 'WORKSPACE';
const paths: AppPaths = {
  user: getUser().path,
  workspaces: listWorkspaces().path,
  repositories: listRepositories(PLACEHOLDER, (json) => json as never).path.replace(`/${PLACEHOLDER}?`, '/{workspace}?'),
};

interface AppPaths {
  user: string;
  workspaces: string;
  /** With `{workspace}` for the slug. */
  repositories: string;
}

/** What the app reads of a list page to know the next requests. */
interface ListPage {
  values: Array<{ workspace?: { slug: string } }>;
  next?: string;
  size?: number;
  pagelen?: number;
}

/**
 * The requests the app makes, as early as it makes them (the user and the workspaces together,
 * every first page at once, then every numbered page the first one makes known), reading nothing
 * but what the next request needs. `get` makes one request. Resolves with the repositories
 * counted. Self-contained (it also runs in the page), so it names nothing outside itself.
 */
async function walkAppRequests(get: (url: string) => Promise<ListPage>, apiBase: string, paths: AppPaths): Promise<number> {
  let count = 0;
  const list = async (url: string | undefined): Promise<void> => {
    if (!url) return;
    const page = await get(url);
    count += page.values.length;
    const next = page.next ? new URL(page.next) : null;
    if (next?.searchParams.get('page') === '2' && page.size !== undefined) {
      const pages = Math.ceil(page.size / (page.pagelen ?? 100));
      await Promise.all(
        Array.from({ length: pages - 1 }, async (_, index) => {
          next.searchParams.set('page', String(index + 2));
          // Read once the page is in: `count += await …` would add to the count from before.
          const { values } = await get(next.href);
          count += values.length;
        }),
      );
    } else await list(page.next);
  };
  const user = get(apiBase + paths.user);
  const workspaces: string[] = [];
  for (let url: string | undefined = apiBase + paths.workspaces; url;) {
    const page = await get(url);
    workspaces.push(...page.values.map((access) => access.workspace?.slug ?? ''));
    url = page.next;
  }
  await Promise.all([
    user,
    ...workspaces.map((slug) => list(apiBase + paths.repositories.replace('{workspace}', encodeURIComponent(slug)))),
  ]);
  return count;
}

// Runs in the page (as a script: `walk` is the source of walkAppRequests): the app's requests
// through the page's fetch, and nothing put on screen but the count. What it takes is what the
// browser, the simulator and the machine take: the app can only add to it.
const FETCH_ONLY_SCRIPT = (apiBase: string, token: string) => `(async () => {
  const walk = ${walkAppRequests.toString()};
  const get = async (url) => {
    const response = await fetch(url, { headers: { Authorization: ${JSON.stringify(`Bearer ${token}`)} } });
    if (!response.ok) throw new Error(url + ': ' + response.status);
    return response.json();
  };
  const count = await walk(get, ${JSON.stringify(apiBase)}, ${JSON.stringify(paths)});
  // One entry for the whole list, so that the marks are taken as for the other clients.
  const item = document.createElement('li');
  item.textContent = 'fetched';
  document.querySelector('ul').append(item);
  document.querySelector('[role="status"]').textContent = count + ' repositories';
})()`;

/**
 * The same requests from Node, with no browser: a preflight and a GET for each, as Chromium sends
 * them, over one HTTP/2 connection or at most 6 HTTP/1.1 ones. What it takes is the simulator's
 * and the machine's share alone. Returns the critical path in latencies, read from the log.
 */
export async function measureWithoutBrowser(target: LoadTarget): Promise<number> {
  const origin = target.appOrigin;
  const api = new URL(target.sim.apiBase);
  const token = target.sim.issueToken();
  const http2 = api.protocol === 'https:';
  const session = http2 ? connect(api.origin, { rejectUnauthorized: false }) : null;
  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  const send = (method: string, url: URL, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const finish = (status: number, stream: NodeJS.ReadableStream) => {
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
      };
      if (session) {
        const stream = session.request({ ':method': method, ':path': url.pathname + url.search, ...headers });
        stream.on('response', (head) => finish(Number(head[':status']), stream));
        stream.on('error', reject);
        stream.end();
      } else {
        request(url, { method, headers, agent }, (response) => finish(response.statusCode ?? 0, response))
          .on('error', reject)
          .end();
      }
    });
  const get = async (href: string): Promise<ListPage> => {
    const url = new URL(href);
    await send('OPTIONS', url, { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' });
    const { status, body } = await send('GET', url, { origin, authorization: `Bearer ${token}` });
    if (status !== 200) throw new Error(`${href}: ${status}`);
    return JSON.parse(body) as ListPage;
  };
  try {
    // Connected before the log starts, as the browser is by the time the app asks.
    await send('OPTIONS', new URL(`${target.sim.apiBase}/user`), { origin, 'access-control-request-method': 'GET' });
    target.sim.clearRequests();
    const count = await walkAppRequests(get, target.sim.apiBase, paths);
    if (count !== target.total) throw new Error(`without a browser: ${count} repositories of ${target.total}`);
    return criticalPath(target.sim.requests(), target.latencyMs).latencies;
  } finally {
    session?.close();
    agent.destroy();
  }
}

/** Waits for a mark, then returns every mark on {@link benchClock}. */
async function readMarks(page: Page, key: keyof Marks): Promise<Marks> {
  await page.waitForFunction((name) => (window as unknown as { __bench: Marks }).__bench[name] > 0, key, { timeout: 120_000 });
  const marks = await page.evaluate(() => (window as unknown as { __bench: Marks }).__bench);
  const offset = await clockOffset(page);
  const shift = (mark: number) => (mark > 0 ? mark - offset : 0);
  return {
    firstRepository: shift(marks.firstRepository),
    firstPainted: shift(marks.firstPainted),
    firstFrame: shift(marks.firstFrame),
    complete: shift(marks.complete),
    lastResponse: shift(marks.lastResponse),
  };
}

// Two processes' wall clocks can disagree by several milliseconds (each reads the wall clock once,
// at start, and counts from there). The page's time, asked for between two readings of ours, is
// the page's clock at about their midpoint: the quickest of a few answers is the closest.
async function clockOffset(page: Page): Promise<number> {
  let best = { roundTrip: Infinity, offset: 0 };
  for (let attempt = 0; attempt < 7; attempt++) {
    const before = benchClock();
    const theirs = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = benchClock();
    if (after - before < best.roundTrip) best = { roundTrip: after - before, offset: theirs - (before + after) / 2 };
  }
  return best.offset;
}

/** Sets up a fresh context with the instruments. */
async function freshPage(browser: Browser, target: LoadTarget): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // tsx compiles the functions sent to the page with esbuild's `__name` helper, which the page lacks.
  await context.addInitScript('globalThis.__name = (target) => target;');
  await context.addInitScript(instrument, { total: target.total, apiBase: target.sim.apiBase });
  return context.newPage();
}

/** The API's part of a log: from the first request arriving to the last answer leaving, also in latencies. */
function criticalPath(log: SimRequestRecord[], latencyMs: number) {
  const api = log.filter((record) => record.server === 'api');
  const start = Math.min(...api.map((record) => record.time));
  const end = Math.max(...api.map((record) => record.answeredTime));
  return { api, start, end, latencies: (end - start) / latencyMs };
}

function figures(target: LoadTarget, log: SimRequestRecord[], marks: Marks): LoadFigures {
  const { api, start, end, latencies } = criticalPath(log, target.latencyMs);
  const gets = api.filter((record) => record.method === 'GET');
  const bytes = gets.reduce((sum, record) => sum + record.bytes, 0);
  return {
    requests: gets.length,
    preflights: api.filter((record) => record.method === 'OPTIONS').length,
    latencies,
    firstRepositoryMs: marks.firstRepository - start,
    usableMs: marks.complete - start,
    lastAnswerToUsableMs: marks.complete - end,
    inPageToUsableMs: marks.complete - marks.lastResponse,
    bytesPerRepository: bytes / target.total,
    protocol: [...new Set(api.map((record) => record.protocol))].join('+'),
  };
}

/** Loads every repository once with `run`'s client and measures it; the page stays open (for a reload). */
export async function measureLoad(browser: Browser, target: LoadTarget, run: LoadRun): Promise<{ figures: LoadFigures; page: Page }> {
  const page = await freshPage(browser, target);
  if (run.client !== 'app') {
    await page.goto(`${target.appOrigin}/straightforward.html`);
    const token = target.sim.issueToken();
    target.sim.clearRequests();
    if (run.client === 'straightforward') await page.evaluate(straightforward, { apiBase: target.sim.apiBase, token });
    else await page.evaluate(FETCH_ONLY_SCRIPT(target.sim.apiBase, token));
  } else {
    await page.goto(`${target.appOrigin}/`);
    await run.setup?.(page);
    await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
    // The sign-in pages are no part of the load: the log starts at the consent.
    target.sim.clearRequests();
    await page.getByRole('button', { name: 'Grant access' }).click();
  }
  const marks = await readMarks(page, 'complete');
  const log = target.sim.requests();
  const repositories = await page.locator('[aria-label="Repositories"] li').count();
  if (repositories === 0) throw new Error(`${run.name}: no repositories on screen`);
  return { figures: figures(target, log, marks), page };
}

/**
 * Reloads a signed-in app page whose list is kept for the session and measures how soon it shows,
 * and whether any request went out before it did.
 */
export async function measureReload(page: Page, target: LoadTarget): Promise<ReloadFigures> {
  // The list is saved just after it is usable (a timer, so the save does not delay the screen).
  await page.waitForFunction(() => Object.keys(sessionStorage).some((key) => key.startsWith('bitbucket-starter:repositories')));
  target.sim.clearRequests();
  await page.reload();
  const marks = await readMarks(page, 'firstPainted');
  // Navigation start, on this process's clock: our time when the page's clock read its origin.
  const origin =
    marks.firstRepository -
    (await page.evaluate(() => (window as unknown as { __bench: Marks }).__bench.firstRepository - performance.timeOrigin));
  // The background refresh: wait for it to finish (a repository page answered, and the notice
  // gone), so that its requests are all counted and the next run starts from a quiet simulator.
  await page.waitForFunction(
    (apiBase) =>
      performance.getEntriesByType('resource').some((entry) => entry.name.startsWith(`${apiBase}/repositories/`)) &&
      !document.body.textContent?.includes('Refreshing from Bitbucket'),
    target.sim.apiBase,
    { timeout: 60_000 },
  );
  // On the page's own clock, once the refresh is done (Resource Timing lists a request when it has
  // ended): which API requests began before the frame that painted the list.
  const begunBeforePaint = await page.evaluate((apiBase) => {
    const { firstFrame } = (window as unknown as { __bench: Marks }).__bench;
    return performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.startsWith(apiBase) && performance.timeOrigin + entry.startTime < firstFrame).length;
  }, target.sim.apiBase);
  const api = target.sim.requests().filter((record) => record.server === 'api');
  const first = api.length > 0 ? Math.min(...api.map((record) => record.time)) : null;
  return {
    listInPageMs: marks.firstRepository - origin,
    listPaintedMs: marks.firstPainted - origin,
    requestsBeforePaint: begunBeforePaint,
    firstRequestMs: first === null ? null : first - origin,
  };
}
