/**
 * Runs the relay's Worker entry (worker.ts) on workerd, Cloudflare's open-source Workers runtime:
 * `npm run relay:worker`, the same variables, port and answers as `npm run relay`. The runtime
 * and the bundler are dependencies of relay/ alone (`npm ci --prefix relay`), so the app's own
 * install stays small.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK_HOSTS } from './config.ts';
import type { RelayConfig } from './config.ts';
import { isMainModule, runRelayCommand, urlHost } from './node.ts';
import type { RelayServer } from './node.ts';

/**
 * The Workers compatibility date the relay is written for. The pinned workerd accepts it, and so
 * does wrangler 4.86 (the last wrangler for Node 20, whose runtime stops at 2026-05-03).
 * @see https://developers.cloudflare.com/workers/configuration/compatibility-dates/
 */
export const COMPATIBILITY_DATE = '2026-05-01';

/** The variables the Worker reads. workerd takes them from its own environment, never from its config file. */
export const WORKER_VARIABLES = [
  'BITBUCKET_CLIENT_ID',
  'BITBUCKET_CLIENT_SECRET',
  'RELAY_SECRET',
  'RELAY_ALLOWED_CALLBACKS',
  'RELAY_ALLOWED_ORIGINS',
  'RELAY_PUBLIC_URL',
  'RELAY_SESSION_LIFETIME',
  'BITBUCKET_AUTHORIZE_URL',
  'BITBUCKET_TOKEN_URL',
] as const;

/** What `npm run relay:worker` says when relay/'s own dependencies are missing. */
export const MISSING_RUNTIME_MESSAGE =
  'The Workers runtime (workerd) is not installed. It is a dependency of relay/ only; install it with: npm ci --prefix relay';

/** Where the pinned workerd binary is, and the newest compatibility date it accepts. */
export interface WorkerdRuntime {
  readonly binary: string;
  readonly compatibilityDate: string;
}

/** The outcome of {@link locateWorkerd}: the runtime, or the message that says how to install it. */
export type LocateWorkerdResult =
  { readonly ok: true; readonly runtime: WorkerdRuntime } | { readonly ok: false; readonly message: string };

/** Options for {@link startWorkerdRelay}; all optional. */
export interface StartWorkerdRelayOptions {
  /** Address to listen on; defaults to `config.host` (RELAY_HOST, 127.0.0.1 unless set). */
  readonly host?: string;
  /** Receives workerd's output, line by line (the relay's own event lines among it); defaults to `console.log`. */
  readonly log?: (line: string) => void;
  /** How long to wait for workerd to answer its first request. */
  readonly startTimeoutMs?: number;
}

// workerd's npm package exports the path of the binary its platform package ships, so the binary
// runs directly: no postinstall script and no Node shim between us and the process we stop.
const relayRequire = createRequire(import.meta.url);

/** Finds the workerd of relay/package.json; `load` is injectable for tests. */
export function locateWorkerd(load: (name: string) => unknown = relayRequire): LocateWorkerdResult {
  let runtime: unknown;
  try {
    runtime = load('workerd');
  } catch {
    return { ok: false, message: MISSING_RUNTIME_MESSAGE };
  }
  const { default: binary, compatibilityDate } = (runtime ?? {}) as { default?: unknown; compatibilityDate?: unknown };
  if (typeof binary !== 'string' || typeof compatibilityDate !== 'string') return { ok: false, message: MISSING_RUNTIME_MESSAGE };
  // ISO dates compare as strings. workerd refuses to start with a date newer than its own.
  if (compatibilityDate < COMPATIBILITY_DATE) {
    return {
      ok: false,
      message: `The installed workerd accepts compatibility dates up to ${compatibilityDate}, older than the relay's ${COMPATIBILITY_DATE}. Reinstall relay/'s pinned one: npm ci --prefix relay`,
    };
  }
  return { ok: true, runtime: { binary, compatibilityDate } };
}

/** The Worker's environment for a checked config: what the Worker reads back as this very config. */
export function workerEnvironment(config: RelayConfig): Record<(typeof WORKER_VARIABLES)[number], string | undefined> {
  return {
    BITBUCKET_CLIENT_ID: config.clientId,
    BITBUCKET_CLIENT_SECRET: config.clientSecret,
    RELAY_SECRET: config.relaySecret,
    RELAY_ALLOWED_CALLBACKS: config.allowedCallbacks.join(','),
    RELAY_ALLOWED_ORIGINS: config.allowedOrigins?.join(','),
    RELAY_PUBLIC_URL: config.publicOrigin,
    RELAY_SESSION_LIFETIME: String(config.sessionLifetimeSeconds),
    BITBUCKET_AUTHORIZE_URL: config.authorizeUrl,
    BITBUCKET_TOKEN_URL: config.tokenUrl,
  };
}

/**
 * workerd's configuration (Cap'n Proto text) for the relay listening on `address`. It holds no
 * value of any variable: each binding names the environment variable workerd reads at start, so
 * the file can sit in a temporary folder without holding a secret.
 * @see https://github.com/cloudflare/workerd/blob/main/src/workerd/server/workerd.capnp
 */
export function workerdConfig(options: { readonly address: string; readonly tokenUrl: string }): string {
  // The address goes into the config's text as it is: a quote or a new line in it (from RELAY_HOST)
  // would write configuration of its own. A host name or IP address, and a port, is all it may be.
  if (!/^(\[[\da-f:.]+\]|[\w.-]+):\d{1,5}$/i.test(options.address)) {
    throw new Error(`The relay's address "${options.address}" is not a host and a port: set RELAY_HOST to a host name or an IP address.`);
  }
  // workerd's default outbound network refuses loopback addresses; a local simulator needs them.
  const allow = LOOPBACK_HOSTS.has(new URL(options.tokenUrl).hostname) ? '["public", "local"]' : '["public"]';
  const bindings = WORKER_VARIABLES.map((name) => `    (name = "${name}", fromEnvironment = "${name}"),`);
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    '',
    'const config :Workerd.Config = (',
    '  services = [',
    '    (name = "relay", worker = .relayWorker),',
    `    (name = "internet", network = (allow = ${allow}, tlsOptions = (trustBrowserCas = true))),`,
    '  ],',
    `  sockets = [(name = "http", address = "${options.address}", http = (), service = "relay")],`,
    ');',
    '',
    'const relayWorker :Workerd.Worker = (',
    '  modules = [(name = "worker.js", esModule = embed "worker.js")],',
    `  compatibilityDate = "${COMPATIBILITY_DATE}",`,
    '  bindings = [',
    ...bindings,
    '  ],',
    '  globalOutbound = "internet",',
    ');',
    '',
  ].join('\n');
}

/** Bundles worker.ts and starts it on workerd; resolves once it answers, with the same handle as the Node adapter. */
export async function startWorkerdRelay(
  config: RelayConfig,
  port: number = config.port,
  options: StartWorkerdRelayOptions = {},
): Promise<RelayServer> {
  const located = locateWorkerd();
  if (!located.ok) throw new Error(located.message);
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? config.host;
  // workerd does not report the port it bound, so "any free port" is chosen here.
  const boundPort = port === 0 ? await freePort(host) : port;
  const url = `http://${urlHost(host)}:${boundPort}`;

  const folder = mkdtempSync(join(tmpdir(), 'bitbucket-relay-workerd-'));
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  try {
    // Resolved from relay/, next to workerd: relay/'s own esbuild.
    const { build } = await import('esbuild');
    await build({
      entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      outfile: join(folder, 'worker.js'),
      logLevel: 'silent',
    });
    writeFileSync(join(folder, 'config.capnp'), workerdConfig({ address: `${host}:${boundPort}`, tokenUrl: config.tokenUrl }));
  } catch (error) {
    removeFolder();
    throw error;
  }

  const child = spawn(located.runtime.binary, ['serve', join(folder, 'config.capnp')], {
    // Only the Worker's variables: nothing else of this process's environment reaches the runtime.
    env: Object.fromEntries(Object.entries(workerEnvironment(config)).filter(([, value]) => value !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
      }
    });
  }
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    removeFolder();
  };

  const started = await Promise.race([
    waitUntilAnswering(url, options.startTimeoutMs ?? 10_000),
    exited.then((code) => `workerd exited with code ${String(code)}`),
  ]);
  if (started !== true) {
    await close();
    throw new Error(
      `The relay could not start on workerd at ${host}:${boundPort}: ${started}.${recent.length > 0 ? `\n${recent.join('\n')}` : ''}`,
    );
  }
  return { url, ...(child.pid === undefined ? {} : { pid: child.pid }), close };
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<true | string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthcheck`);
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return `no answer within ${timeoutMs} ms`;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// Run only when executed directly (npm run relay:worker), not when imported by tests.
if (isMainModule(import.meta.url)) {
  // Before the configuration: without the runtime, nothing else matters yet.
  const located = locateWorkerd();
  if (located.ok) await runRelayCommand('Relay (workerd)', (config) => startWorkerdRelay(config));
  else {
    console.error(located.message);
    process.exitCode = 1;
  }
}
