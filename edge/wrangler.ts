/**
 * The wrangler edge/package.json pins, found and run from Node: `wrangler dev` (the Worker and its
 * static assets on workerd, on this machine) and any other command (`deploy`). Offline: no
 * telemetry, no update check, no `request.cf` download. wrangler lives in edge/'s own install
 * (`npm ci --prefix edge`, about 195 MB), never in the app's.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainModule } from '../relay/node.ts';

/** This folder: edge/, where wrangler.jsonc and edge/'s own node_modules are. */
export const EDGE_DIR = import.meta.dirname;

/** The wrangler edge/package.json pins: 4.86.0, the last that runs on Node 20. */
export const WRANGLER_VERSION = (
  JSON.parse(readFileSync(join(EDGE_DIR, 'package.json'), 'utf8')) as { devDependencies: { wrangler: string } }
).devDependencies.wrangler;

/** What the edge commands say when edge/'s own install is missing. */
export const MISSING_WRANGLER_MESSAGE = `wrangler ${WRANGLER_VERSION} is not installed. It is a dependency of edge/ only; install it with: npm ci --prefix edge`;

/** wrangler's own switches that keep it off the network and quiet: no metrics, no error reports, no update check. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  // The banner is where wrangler asks the registry for a newer version.
  WRANGLER_HIDE_BANNER: 'true',
  // Without it, `wrangler dev` downloads the `request.cf` object once.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  // After an error wrangler asks the npm registry whether it is the newest: a closed port on this
  // machine answers at once, and nothing leaves it.
  npm_config_registry: 'http://127.0.0.1:9/',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

/** The outcome of {@link locateWrangler}: wrangler's entry script, or the message that says how to install it. */
export type LocateWranglerResult = { readonly ok: true; readonly script: string } | { readonly ok: false; readonly message: string };

/** Finds the pinned wrangler in edge/node_modules; `dir` is injectable for tests. */
export function locateWrangler(dir: string = EDGE_DIR): LocateWranglerResult {
  const packageFile = join(dir, 'node_modules', 'wrangler', 'package.json');
  if (!existsSync(packageFile)) return { ok: false, message: MISSING_WRANGLER_MESSAGE };
  const { version } = JSON.parse(readFileSync(packageFile, 'utf8')) as { version?: unknown };
  // Another version may need another Node, or accept other compatibility dates.
  if (version !== WRANGLER_VERSION) {
    return { ok: false, message: `edge/ has wrangler ${String(version)}, not the pinned ${WRANGLER_VERSION}: npm ci --prefix edge` };
  }
  return { ok: true, script: join(dir, 'node_modules', 'wrangler', 'bin', 'wrangler.js') };
}

/** Runs a wrangler command in edge/ with the terminal attached (`deploy`, `login`, `secret put`); resolves with its exit code. */
export function runWrangler(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<number> {
  const located = locateWrangler();
  if (!located.ok) return Promise.reject(new Error(located.message));
  const child = spawn(process.execPath, [located.script, ...args], { cwd: EDGE_DIR, stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Options for {@link startEdgeWorker}. */
export interface StartEdgeOptions {
  /** The port on 127.0.0.1; the Worker's URL is `<protocol>://localhost:<port>`. */
  readonly port: number;
  /** `https` serves it with wrangler's own self-signed certificate, as the deployed Worker is served. */
  readonly protocol?: 'http' | 'https';
  /** The built app to serve instead of wrangler.jsonc's `assets.directory`. */
  readonly assetsDir?: string;
  /** The Worker's variables and secrets, as `wrangler secret put` would give them on Cloudflare. */
  readonly variables: Readonly<Record<string, string>>;
  /** Receives wrangler's and the Worker's output, line by line; defaults to `console.log`. */
  readonly log?: (line: string) => void;
  /** How long to wait for the Worker's first answer. */
  readonly startTimeoutMs?: number;
}

/** A running `wrangler dev`. */
export interface EdgeServer {
  /** e.g. `http://localhost:8787` (no trailing slash). */
  readonly url: string;
  /** Stops wrangler and workerd, and removes the variables' file. */
  close(): Promise<void>;
}

/** Starts edge/wrangler.jsonc's Worker with `wrangler dev` and resolves once its relay answers. */
export async function startEdgeWorker(options: StartEdgeOptions): Promise<EdgeServer> {
  const located = locateWrangler();
  if (!located.ok) throw new Error(located.message);
  const log = options.log ?? ((line: string) => console.log(line));
  const protocol = options.protocol ?? 'http';
  const url = `${protocol}://localhost:${options.port}`;

  // The secrets go to wrangler in a file only this user can read, never on its command line
  // (which every user of the machine can list); the folder goes when wrangler stops.
  const folder = mkdtempSync(join(tmpdir(), 'bitbucket-edge-'));
  const envFile = join(folder, '.dev.vars');
  writeFileSync(envFile, dotenv(options.variables), { mode: 0o600 });

  const args = [
    located.script,
    'dev',
    ...['--ip', '127.0.0.1', '--port', String(options.port), '--local-protocol', protocol],
    ...['--env-file', envFile, '--show-interactive-dev-session=false'],
    ...(options.assetsDir === undefined ? [] : ['--assets', options.assetsDir]),
  ];
  // Its own process group: wrangler starts a Node of its own and workerd under it, and stopping
  // the group stops them all (stopping the first process alone leaves workerd running).
  const child = spawn(process.execPath, args, {
    cwd: EDGE_DIR,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...OFFLINE_ENV },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const recent = forwardLines(child, log);
  // Should this process end first, its own group does not take wrangler's along: stop it then too.
  const stopOnExit = () => stopGroup(child);
  process.once('exit', stopOnExit);
  const close = async () => {
    process.off('exit', stopOnExit);
    stopGroup(child);
    await exited;
    rmSync(folder, { recursive: true, force: true });
  };

  const started = await Promise.race([
    waitUntilAnswering(`${url}/relay/healthcheck`, options.startTimeoutMs ?? 30_000),
    exited.then((code) => `wrangler exited with code ${String(code)}`),
  ]);
  if (started !== true) {
    await close();
    throw new Error(`The Worker could not start on ${url}: ${started}.${recent.length > 0 ? `\n${recent.join('\n')}` : ''}`);
  }
  return { url, close };
}

/** A `.dev.vars` file's text for `variables`; single quotes keep every value literal. */
export function dotenv(variables: Readonly<Record<string, string>>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /['\r\n]/.test(value))
        throw new Error(`The Worker variable ${name} cannot be written to a .dev.vars file.`);
      return `${name}='${value}'\n`;
    })
    .join('');
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

function forwardLines(child: ChildProcess, log: (line: string) => void): string[] {
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        recent.push(line);
        if (recent.length > 30) recent.shift();
        log(line);
      }
    });
  }
  return recent;
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<true | string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await statusOf(url)) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `no answer from ${url} within ${timeoutMs} ms`;
}

// Node's fetch cannot be told to trust wrangler's self-signed certificate; this asks only loopback.
function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(url, { rejectUnauthorized: false, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
    request.on('timeout', () => request.destroy());
  });
}

// `npm run wrangler:edge -- <command>`: the pinned wrangler, in edge/ (login, secret put, tail, …).
if (isMainModule(import.meta.url)) {
  try {
    process.exitCode = await runWrangler(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
