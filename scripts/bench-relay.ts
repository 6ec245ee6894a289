/**
 * `npm run bench:relay`: the token relay under concurrent clients, on Node and on workerd. Each
 * client is a browser of its own (a cookie jar): it signs in (the relay's /authorize, the
 * simulator's consent, the relay's /callback), then renews its token again and again with
 * `POST /token`. The simulator plays Bitbucket as it is today (rotating refresh tokens) with
 * 10-second access tokens: inside the renewal margin from the start, so every renewal is a refresh
 * at the token endpoint and a rotation of the cookie. Prints one row per runtime: throughput,
 * latencies, errors, the refresh tokens the simulator saw used twice (must be 0), and the relay
 * process's memory before and after (after one client's warm-up, not counted). Loopback only;
 * bounded in clients, renewals and time.
 *
 * `BENCH_RELAY_CLIENTS` (default 16, at most 64) and `BENCH_RELAY_RENEWALS` (per client, default
 * 20, at most 200) change the load; each runtime stops after 60 s whatever is left.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { readRelayConfig } from '../relay/config.ts';
import type { RelayConfig } from '../relay/config.ts';
import { locateWorkerd, startWorkerdRelay, workerEnvironment } from '../relay/workerd.ts';
import { startSimulator } from '../sim/index.ts';
import type { Simulator } from '../sim/index.ts';
import { createCookieClient, signInThroughRelay } from './relay-client.ts';

const bounded = (name: string, fallback: number, max: number) =>
  Math.min(Math.max(1, Number(process.env[name] ?? fallback) || fallback), max);
const CLIENTS = bounded('BENCH_RELAY_CLIENTS', 16, 64);
const RENEWALS = bounded('BENCH_RELAY_RENEWALS', 20, 200);
const DEADLINE_MS = 60_000;
const TOKEN_LIFETIME_SECONDS = 10;
const APP_ORIGIN = 'http://localhost:3000';
const CLIENT = { clientId: 'bench-relay', secret: 'bench-relay-secret' };

/** A relay under test: where it answers, the process to measure, how to stop it. */
interface RunningRelay {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** What one runtime's run measured. */
interface Row {
  readonly runtime: string;
  readonly signIns: number[];
  readonly renewals: number[];
  readonly errors: number;
  readonly elapsedMs: number;
  readonly usedTwice: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** The resident memory of process `pid`, in MiB (Linux). */
function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

async function waitForHealth(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited()) {
    try {
      if ((await fetch(`${url}/healthcheck`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the relay at ${url} did not start`);
}

/** `npm run relay` as a process of its own, so that its memory is the relay's alone. */
async function startNodeRelay(config: RelayConfig, port: number): Promise<RunningRelay> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/node.ts'], {
    cwd: resolve(import.meta.dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      ...Object.fromEntries(Object.entries(workerEnvironment(config)).filter(([, value]) => value !== undefined)),
      PORT: String(port),
      RELAY_HOST: '127.0.0.1',
    },
    // Its request lines are not needed here.
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, () => child.exitCode !== null);
  return {
    url,
    pid: child.pid ?? 0,
    close: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function startWorkerd(config: RelayConfig, port: number): Promise<RunningRelay> {
  const relay = await startWorkerdRelay(config, port, { log: () => {} });
  return { url: relay.url, pid: relay.pid ?? 0, close: () => relay.close() };
}

/** One client: a sign-in, then renewals, each checked; latencies in ms. */
async function runClient(relayUrl: string, deadline: number, row: { signIns: number[]; renewals: number[]; errors: number }) {
  const client = createCookieClient();
  let started = performance.now();
  let token: string;
  try {
    const toApp = await signInThroughRelay(client, { relayBase: relayUrl, appCallback: `${APP_ORIGIN}/oauth-callback`, appState: 'bench' });
    token = new URLSearchParams(new URL(toApp.headers.get('location') ?? '').hash.slice(1)).get('access_token') ?? '';
    if (token === '' || !client.cookieHeader(relayUrl).startsWith('relay-session=')) throw new Error('no token or no session');
    row.signIns.push(performance.now() - started);
  } catch {
    row.errors += 1;
    return;
  }
  for (let renewal = 0; renewal < RENEWALS && Date.now() < deadline; renewal += 1) {
    started = performance.now();
    try {
      const response = await client.send(`${relayUrl}/token`, {
        method: 'POST',
        headers: { origin: APP_ORIGIN, 'x-bitbucket-relay': '1' },
      });
      const body = (await response.json()) as { access_token?: unknown };
      // Every renewal here must be a refresh: a new token, and the cookie rotated.
      if (response.status !== 200 || typeof body.access_token !== 'string' || body.access_token === token) throw new Error('not renewed');
      if (response.headers.getSetCookie().length !== 1) throw new Error('cookie not rotated');
      token = body.access_token;
      row.renewals.push(performance.now() - started);
    } catch {
      row.errors += 1;
    }
  }
}

async function measure(runtime: string, start: (config: RelayConfig, port: number) => Promise<RunningRelay>, sim: Simulator): Promise<Row> {
  const port = await freePort();
  const read = readRelayConfig({
    BITBUCKET_CLIENT_ID: CLIENT.clientId,
    BITBUCKET_CLIENT_SECRET: CLIENT.secret,
    RELAY_ALLOWED_CALLBACKS: `${APP_ORIGIN}/oauth-callback`,
    RELAY_SECRET: 'bench-relay-secret-0123456789abcdefghijklmnop',
    BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl,
    BITBUCKET_TOKEN_URL: sim.tokenUrl,
  });
  if (!read.ok) throw new Error(read.problems.map((problem) => problem.message).join('; '));
  const relay = await start(read.config, port);
  try {
    sim.configure({ clients: [{ ...CLIENT, name: 'bench:relay', callbackUrl: `${relay.url}/callback` }] });
    // One client first, not counted: code loaded and keys derived before the clock starts.
    const warmUp = { signIns: [] as number[], renewals: [] as number[], errors: 0 };
    await runClient(relay.url, Date.now() + DEADLINE_MS, warmUp);
    if (warmUp.errors > 0) throw new Error(`the ${runtime} relay failed its warm-up`);
    const rssBefore = rssMiB(relay.pid);
    const row = { signIns: [] as number[], renewals: [] as number[], errors: 0 };
    const started = performance.now();
    const deadline = Date.now() + DEADLINE_MS;
    await Promise.all(Array.from({ length: CLIENTS }, () => runClient(relay.url, deadline, row)));
    const elapsedMs = performance.now() - started;
    return { runtime, ...row, elapsedMs, usedTwice: sim.refreshTokensUsedTwice().length, rssBefore, rssAfter: rssMiB(relay.pid) };
  } finally {
    await relay.close();
  }
}

function percentile(values: readonly number[], p: number): string {
  if (values.length === 0) return '–';
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]?.toFixed(1)} ms`;
}

function table(rows: readonly Row[]): string {
  const header =
    '| relay | clients | sign-ins | renewals (refreshes) | renewals/s | sign-in p50 / p99 | renewal p50 / p99 | errors | refresh tokens used twice | relay RSS before → after |';
  const lines = rows.map((row) =>
    [
      row.runtime,
      CLIENTS,
      row.signIns.length,
      row.renewals.length,
      (row.renewals.length / (row.elapsedMs / 1000)).toFixed(0),
      `${percentile(row.signIns, 50)} / ${percentile(row.signIns, 99)}`,
      `${percentile(row.renewals, 50)} / ${percentile(row.renewals, 99)}`,
      row.errors,
      row.usedTwice,
      `${row.rssBefore.toFixed(0)} → ${row.rssAfter.toFixed(0)} MiB`,
    ].join(' | '),
  );
  return [header, `|${'---|'.repeat(10)}`, ...lines.map((line) => `| ${line} |`)].join('\n');
}

const runtimes: Array<[string, (config: RelayConfig, port: number) => Promise<RunningRelay>]> = [['Node', startNodeRelay]];
if (locateWorkerd().ok) runtimes.push(['workerd', startWorkerd]);
else console.log('workerd is not installed (npm ci --prefix relay): its row is skipped.');

console.log(
  `bench:relay: ${CLIENTS} clients, each a sign-in then ${RENEWALS} renewals, against the simulator as Bitbucket today ` +
    `(${TOKEN_LIFETIME_SECONDS} s access tokens: every renewal is a refresh and a rotation); at most ${DEADLINE_MS / 1000} s per relay.`,
);
const rows: Row[] = [];
for (const [runtime, start] of runtimes) {
  // A simulator per runtime, so that its count of reused refresh tokens is this runtime's.
  const sim = await startSimulator({ bitbucketToday: true, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, clients: [] });
  try {
    rows.push(await measure(runtime, start, sim));
  } finally {
    await sim.close();
  }
  console.log(`  ${runtime}: done`);
}
console.log(`\n${table(rows)}\n`);
if (rows.some((row) => row.usedTwice > 0 || row.errors > 0)) process.exitCode = 1;
