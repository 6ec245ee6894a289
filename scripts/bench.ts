/**
 * `npm run bench`: how fast the app's loader gets every repository, against the straightforward
 * client (follow `next` one page after another, full repository objects), over the same data
 * and the same simulated network, in the same run. Then a browser part measures rendering and
 * filtering 10,000 repositories in Chromium. Prints figures and ratios; asserts nothing.
 *
 * The network model: every request waits the simulator's latency, and — as in a browser, where
 * the `Authorization` header makes every request "non-simple" — each distinct URL first costs a
 * CORS preflight (OPTIONS). Two connection models are measured: HTTP/2 (requests multiplexed,
 * as a browser talks to api.bitbucket.org) and HTTP/1.1 with Chromium's 6 connections per host
 * (as the browser talks to the plain-http simulator).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { repositoryParser } from '../src/api-shapes.ts';
import { createClient } from '../src/bitbucket.ts';
import { createLimiter } from '../src/paginate.ts';
import { loadEverything } from '../src/repositories.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const WORKSPACES = [
  { slug: 'big', name: 'Big', repositories: 1000 },
  { slug: 'medium', name: 'Medium', repositories: 300 },
  { slug: 'small', name: 'Small', repositories: 20 },
  { slug: 'empty', name: 'Empty', repositories: 0 },
];
const TOTAL = WORKSPACES.reduce((sum, w) => sum + w.repositories, 0);

interface Figures {
  requests: number;
  preflights: number;
  firstMs: number;
  allMs: number;
  bytes: number;
  repositories: number;
}

/** A fetch that behaves like a browser's on the wire: a preflight per new URL, optional connection cap. */
function browserLikeFetch(
  origin: string,
  maxConnections: number,
  counters: { requests: number; preflights: number; bytes: number },
): typeof fetch {
  const connection = createLimiter(maxConnections);
  const preflighted = new Set<string>();
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers);
    if (!preflighted.has(url)) {
      preflighted.add(url);
      counters.preflights++;
      await connection(() =>
        fetch(url, {
          method: 'OPTIONS',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': [...headers.keys()].join(','),
          },
        }).then((r) => r.arrayBuffer()),
      );
    }
    counters.requests++;
    return connection(async () => {
      const response = await fetch(url, { headers: { ...Object.fromEntries(headers), Origin: origin } });
      const body = await response.arrayBuffer();
      counters.bytes += body.byteLength;
      return new Response(body, { status: response.status, headers: response.headers });
    });
  }) as typeof fetch;
}

async function straightforward(
  apiBase: string,
  token: string,
  fetcher: typeof fetch,
): Promise<Omit<Figures, 'requests' | 'preflights' | 'bytes'>> {
  const started = performance.now();
  let firstMs = 0;
  let repositories = 0;
  const get = async (url: string) =>
    (await (await fetcher(url, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      values: Array<{ workspace?: { slug: string } }>;
      next?: string;
    };
  await get(`${apiBase}/user`);
  const workspaces: string[] = [];
  for (let url: string | undefined = `${apiBase}/user/workspaces?pagelen=100`; url;) {
    const page = await get(url);
    workspaces.push(...page.values.map((v) => v.workspace?.slug ?? ''));
    url = page.next;
  }
  for (const slug of workspaces) {
    for (let url: string | undefined = `${apiBase}/repositories/${slug}?pagelen=100`; url;) {
      const page = await get(url);
      if (page.values.length > 0 && firstMs === 0) firstMs = performance.now() - started;
      repositories += page.values.length;
      url = page.next;
    }
  }
  return { firstMs, allMs: performance.now() - started, repositories };
}

async function appLoader(
  apiBase: string,
  token: string,
  fetcher: typeof fetch,
): Promise<Omit<Figures, 'requests' | 'preflights' | 'bytes'>> {
  const started = performance.now();
  let firstMs = 0;
  let repositories = 0;
  const client = createClient({ apiUrl: apiBase, authorization: () => `Bearer ${token}`, fetch: fetcher });
  await loadEverything(
    client,
    {
      onUser: () => {},
      onRepositories: (_slug, repos) => {
        if (firstMs === 0) firstMs = performance.now() - started;
        repositories += repos.length;
      },
      onWorkspaceError: (slug, error) => {
        throw new Error(`workspace ${slug} failed: ${error.message}`);
      },
    },
    { parseRepository: repositoryParser(['https:', 'http:']) },
  );
  return { firstMs, allMs: performance.now() - started, repositories };
}

// The simulator runs in its own process, like a server elsewhere on the network: its CPU time
// must not queue behind the client's.
const API_PORT = 4201;
const API_BASE = `http://localhost:${API_PORT}/2.0`;
const simulator = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'sim/cli.ts',
    '--auth-port',
    '4200',
    '--api-port',
    String(API_PORT),
    '--latency',
    String(LATENCY_MS),
    '--workspaces',
    WORKSPACES.map((w) => `${w.slug}:${w.repositories}`).join(','),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await once(simulator.stdout, 'data');

async function measure(
  run: (apiBase: string, token: string, fetcher: typeof fetch) => ReturnType<typeof appLoader>,
  maxConnections: number,
): Promise<Figures> {
  const { access_token: token } = (await (
    await fetch(`http://localhost:${API_PORT}/__sim/tokens`, { method: 'POST', body: '{}' })
  ).json()) as { access_token: string };
  const counters = { requests: 0, preflights: 0, bytes: 0 };
  const figures = await run(API_BASE, token, browserLikeFetch('http://localhost:3000', maxConnections, counters));
  if (figures.repositories !== TOTAL) throw new Error(`expected ${TOTAL} repositories, got ${figures.repositories}`);
  return { ...counters, ...figures };
}

const ms = (n: number) => `${Math.round(n)} ms`;
function table(rows: Array<[string, Figures]>): void {
  console.log(['client'.padEnd(34), 'requests', 'preflights', 'latencies', 'first repo', 'all repos', 'bytes', 'bytes/repo'].join('  '));
  for (const [name, f] of rows) {
    console.log(
      [
        name.padEnd(34),
        String(f.requests).padStart(8),
        String(f.preflights).padStart(10),
        (f.allMs / LATENCY_MS).toFixed(1).padStart(9),
        ms(f.firstMs).padStart(10),
        ms(f.allMs).padStart(9),
        String(f.bytes).padStart(8),
        String(Math.round(f.bytes / f.repositories)).padStart(10),
      ].join('  '),
    );
  }
}

console.log(
  `Loading ${TOTAL} repositories in ${WORKSPACES.length} workspaces (${WORKSPACES.map((w) => w.repositories).join(', ')}), ${LATENCY_MS} ms per request, preflights included.\n`,
);
const results: Array<[string, Figures]> = [];
for (const [model, connections] of [
  ['HTTP/2', Infinity],
  ['HTTP/1.1, 6 connections', 6],
] as const) {
  const baseline = await measure(straightforward, connections);
  const loader = await measure(appLoader, connections);
  results.push([`straightforward (${model})`, baseline], [`app loader (${model})`, loader]);
  console.log(`${model}:`);
  table([
    [`straightforward`, baseline],
    [`app loader`, loader],
  ]);
  console.log(
    `ratios: all repositories ${(baseline.allMs / loader.allMs).toFixed(1)}× faster, first repository ${(baseline.firstMs / loader.firstMs).toFixed(1)}× faster, ` +
      `bytes per repository ${((loader.bytes / baseline.bytes) * 100).toFixed(1)}% of the full objects\n`,
  );
}

simulator.kill();

// The browser part: render and filter 10,000 repositories in Chromium.
const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium';
if (!existsSync(chrome)) {
  console.log(`No Chromium at ${chrome}: the browser part is skipped.`);
} else {
  const { browserBench } = await import('./bench-browser.ts');
  await browserBench(chrome);
}
