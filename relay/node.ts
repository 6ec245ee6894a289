/**
 * Runs the relay on Node: a thin adapter from `node:http` to the Web-standard handler in
 * relay.ts. `npm run relay` runs this file; tests import {@link startRelayServer} from it.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { formatConfigProblems, isLoopbackAddress, readRelayConfig } from './config.ts';
import type { RelayConfig } from './config.ts';
import { createRelay } from './relay.ts';
import type { RelayDeps, RelayHandler } from './relay.ts';

/** A running relay server. */
export interface RelayServer {
  /** Where it listens, e.g. `http://127.0.0.1:3001` (no trailing slash). */
  readonly url: string;
  /** The process that serves it (this one for the Node adapter, workerd's for the Worker): for measuring its memory. */
  readonly pid?: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options for {@link startRelayServer}; all optional. */
export interface StartRelayServerOptions {
  /** Address to listen on; defaults to `config.host` (RELAY_HOST, 127.0.0.1 unless set). */
  readonly host?: string;
  /** Receives the request lines and the relay's own event lines; defaults to `console.log`. */
  readonly log?: (line: string) => void;
  /** Overrides for the relay's side effects (fetch, clock, randomness, timeout). */
  readonly deps?: Omit<RelayDeps, 'log'>;
  /** Open connections at most; more are closed as they arrive. Defaults to {@link MAX_CONNECTIONS}. */
  readonly maxConnections?: number;
}

// Bounds on what a client may make the server wait for or hold in memory (docs/relay.md).
/** A request's headers must be complete this long after it starts (or the connection opens). */
export const HEADERS_TIMEOUT_MS = 5_000;
/** A whole request must be received within this. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** How often Node checks the two limits above; its default, 30 s, would let them run 30 s late. */
export const LIMITS_CHECK_INTERVAL_MS = 1_000;
/** Open connections at most: slow clients cannot take every file descriptor. */
export const MAX_CONNECTIONS = 512;
const MAX_HEADER_SIZE = 8 * 1024;

/** Starts the relay on `port` (0 picks a free one) and resolves once it is listening. */
export async function startRelayServer(
  config: RelayConfig,
  port: number = config.port,
  options: StartRelayServerOptions = {},
): Promise<RelayServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? config.host;
  // readRelayConfig says so for RELAY_HOST; this holds for a host given here too.
  if (!isLoopbackAddress(host) && config.publicOrigin === undefined) throw new Error(publicUrlNeeded(host));
  const handler = createRelay(config, { ...options.deps, log });
  // Known once listening (port 0 picks the port); no request arrives before that.
  // Stryker disable next-line StringLiteral: set once listening, before any request can read it.
  let origin = '';

  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_SIZE,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: LIMITS_CHECK_INTERVAL_MS,
    },
    (incoming, outgoing) => {
      void serve(handler, incoming, outgoing, origin, log);
    },
  );
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  // Node's headersTimeout starts with the first byte: a connection that sends nothing would stay
  // open for ever. It gets the same 5 s to deliver its first request's headers.
  // Weak: a closed connection's entry goes with its socket.
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    waiting.set(
      socket,
      setTimeout(() => socket.destroy(), HEADERS_TIMEOUT_MS),
    );
    socket.once('close', () => clearTimeout(waiting.get(socket)));
  });
  server.on('request', (incoming: IncomingMessage) => clearTimeout(waiting.get(incoming.socket)));

  server.listen(port, host);
  // Rejects with the error if listening fails (EADDRINUSE, …); takes its listeners off either way.
  await once(server, 'listening');
  const { port: boundPort } = server.address() as AddressInfo;
  origin = `http://${urlHost(host)}:${boundPort}`;

  return {
    url: origin,
    pid: process.pid,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}

/**
 * Converts Node's request into a Web `Request`. Its body, when it announces one, as a stream the
 * relay may read within its bounds (Decap CMS's refresh form, relay/decap-routes.ts) or leave unread.
 */
export function toWebRequest(incoming: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  // The URL is built on the server's own origin, not the client's Host header: the relay never
  // uses the host, and this way a forged Host cannot make the URL unparseable.
  // Stryker disable next-line StringLiteral: '' resolves to the origin's '/' as well (the origin has no path).
  const url = new URL(incoming.url ?? '/', origin);
  const method = incoming.method ?? 'GET';
  // GET and HEAD cannot have one in a Request; the relay refuses theirs by their headers.
  const body =
    announcesBody(incoming) && method !== 'GET' && method !== 'HEAD'
      ? { body: Readable.toWeb(incoming) as ReadableStream, duplex: 'half' }
      : {};
  return new Request(url, { method, headers, ...body });
}

/** Writes a Web `Response` to Node's response, keeping several `Set-Cookie` headers apart. */
export async function writeWebResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  outgoing.statusCode = response.status;
  // Node's setHeaders sends each Set-Cookie as a header of its own (setHeader per name would keep the last).
  outgoing.setHeaders(response.headers);
  outgoing.end(new Uint8Array(await response.arrayBuffer()));
}

async function serve(
  handler: RelayHandler,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  origin: string,
  log: (line: string) => void,
): Promise<void> {
  // Stryker disable next-line StringLiteral: a server's requests always have a method; '-' only satisfies the type.
  const method = incoming.method ?? '-';
  let path = '-';
  try {
    const request = toWebRequest(incoming, origin);
    path = new URL(request.url).pathname.slice(0, 100);
    // The relay refuses bodies unread (Decap's refresh form it reads only up to its bound); closing
    // the connection means Node need not read the rest either. An empty one (a POST from fetch
    // without a body says Content-Length: 0) keeps the connection.
    if (announcesBody(incoming)) outgoing.setHeader('connection', 'close');
    await writeWebResponse(await handler(request), outgoing);
  } catch (error) {
    log(`adapter error (${error instanceof Error ? error.name : typeof error})`);
    // Nothing is sent before the error: end() is the last step of writeWebResponse.
    outgoing.writeHead(400, {
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-type': 'text/plain; charset=utf-8',
    });
    outgoing.end('Bad request');
  }
  // Path without the query: codes, states and tokens travel in queries and must not be logged.
  log(`${method} ${path} ${outgoing.statusCode}`);
}

// Whether a request says it brings a body; `Content-Length: 0` (a POST from fetch without one) does not.
function announcesBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return (length !== undefined && length !== '0') || incoming.headers['transfer-encoding'] !== undefined;
}

/** The host part of a URL for a listening address (IPv6 in brackets; "any address" as localhost). */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * What `npm run relay` and `npm run relay:worker` do: read relay/.env (git-ignored like every
 * .env) under the process's own variables, which win; check them; start; print the URLs to
 * configure; stop on a signal. Problems are printed and set exit code 1.
 */
export async function runRelayCommand(
  name: string,
  start: (config: RelayConfig) => Promise<RelayServer>,
  envFile: string = join(import.meta.dirname, '.env'),
): Promise<void> {
  if (existsSync(envFile)) process.loadEnvFile(envFile);

  const result = readRelayConfig(process.env);
  if (!result.ok) {
    console.error(formatConfigProblems(result.problems));
    process.exitCode = 1;
    return;
  }
  const config = result.config;
  let server: RelayServer;
  try {
    server = await start(config);
  } catch (error) {
    console.error(messageOf(error));
    process.exitCode = 1;
    return;
  }
  // Browsers and Bitbucket should use one host name for the relay (the nonce cookie is per host);
  // "localhost" matches the app's http://localhost:3000, so suggest it for a loopback relay.
  const base = server.url.replace('//127.0.0.1:', '//localhost:');
  console.log(`${name} listening on ${server.url}`);
  console.log(`  app sign-in URL (VITE_BITBUCKET_AUTHORIZE_URL): ${base}/authorize`);
  console.log(`  OAuth consumer callback URL: ${config.callbackUrl ?? `${base}/callback`}`);
  console.log(`  allowed app callbacks: ${config.allowedCallbacks.join(', ')}`);
  if (config.allowedOrigins !== undefined) {
    console.log(`  Decap CMS base_url: ${config.publicOrigin ?? base}, for ${config.allowedOrigins.join(', ')} (RELAY_ALLOWED_ORIGINS)`);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close());
  }
}

/** What `npm run relay` starts: the relay on the configured address, or an error that names the address. */
export function startConfiguredRelay(config: RelayConfig): Promise<RelayServer> {
  return startRelayServer(config).catch((error: unknown) => {
    throw new Error(`The relay cannot listen on ${config.host}:${config.port}: ${messageOf(error)}`);
  });
}

/** Whether the module at `moduleUrl` is the script Node was started with (`script`, a path). */
export function isMainModule(moduleUrl: string, script: string | undefined = process.argv[1]): boolean {
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

/** Why a relay listening on `host` (not loopback) cannot start without RELAY_PUBLIC_URL. */
export function publicUrlNeeded(host: string): string {
  return `The relay cannot listen on ${host} without RELAY_PUBLIC_URL: reachable from other machines, it is behind a proxy or platform whose scheme it cannot see, and its cookies must be Secure and __Host- all the same. Set RELAY_PUBLIC_URL to its public origin, such as https://relay.example.com.`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Run only when executed directly (npm run relay), not when imported by tests.
if (isMainModule(import.meta.url)) await runRelayCommand('Relay', startConfiguredRelay);
