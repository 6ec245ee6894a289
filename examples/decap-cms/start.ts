/**
 * `npm start` in examples/decap-cms: Decap CMS signing in to "Bitbucket" through the token relay,
 * on one machine, with no account. It starts
 *
 *   - the Bitbucket simulator as Bitbucket is today (the code grant only, rotating refresh tokens),
 *     named 127.0.0.1 so that the way back to the relay crosses sites as it does from bitbucket.org;
 *   - the relay (relay/node.ts, as `npm run relay` runs it) with RELAY_ALLOWED_ORIGINS = the site;
 *   - the site: admin/index.html, admin/config.yml and Decap CMS from this example's own
 *     node_modules (no CDN),
 *
 * and prints where Decap CMS is. Ports: PORT (the site, 3300), RELAY_PORT (3301),
 * SIMULATOR_AUTH_PORT (3302), SIMULATOR_API_PORT (3303). SIMULATOR_TOKEN_LIFETIME (seconds) and
 * SIMULATOR_EXPIRED_TOKEN_MESSAGE (`classic` or `newer`) change what the simulator does when a
 * token expires. The end-to-end tests start it with {@link startDecapExample}.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import { readRelayConfig } from '../../relay/config.ts';
import { isMainModule, startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { startSimulator } from '../../sim/index.ts';
import type { Simulator } from '../../sim/index.ts';

/** Where everything listens unless told otherwise: the values admin/config.yml is written for. */
export const DEFAULT_PORTS = { site: 3300, relay: 3301, auth: 3302, api: 3303 } as const;

/** The OAuth consumer the relay uses at the simulator (the simulator's, so no secret of anyone's). */
const CONSUMER = { clientId: 'decap-example', secret: 'decap-example-secret' } as const;

/** Decap CMS's browser bundle and its chunks, from this example's install. */
export const DECAP_DIST = join(import.meta.dirname, 'node_modules', 'decap-cms', 'dist');

/** What {@link startDecapExample} takes; all optional. */
export interface DecapExampleOptions {
  readonly ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  /** The access tokens' life at the simulator, in seconds (default: Bitbucket's hour). */
  readonly tokenLifetimeSeconds?: number;
  /** The 401 an expired token gets: Bitbucket's classic message, or its newer one. */
  readonly expiredTokenMessage?: 'classic' | 'newer';
  /** Receives the relay's lines. */
  readonly log?: (line: string) => void;
}

/** The running example. */
export interface DecapExample {
  /** Where Decap CMS is: `<site>/admin/`. */
  readonly adminUrl: string;
  readonly siteOrigin: string;
  /** The relay as Decap's config names it (its base_url). */
  readonly relayOrigin: string;
  readonly relay: RelayServer;
  readonly simulator: Simulator;
  close(): Promise<void>;
}

/** Starts the simulator, the relay and the site; resolves once all three listen. */
export async function startDecapExample(options: DecapExampleOptions = {}): Promise<DecapExample> {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  if (!existsSync(join(DECAP_DIST, 'decap-cms.js'))) {
    throw new Error(`Decap CMS is not installed in ${DECAP_DIST}: run npm ci in examples/decap-cms first.`);
  }
  const siteOrigin = `http://localhost:${ports.site}`;
  // The relay as the browser reaches it: the nonce cookie belongs to the host name used for /auth.
  const relayOrigin = `http://localhost:${ports.relay}`;

  const simulator = await startSimulator({
    authPort: ports.auth,
    apiPort: ports.api,
    publicHost: '127.0.0.1',
    bitbucketToday: true,
    ...(options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
    ...(options.expiredTokenMessage === undefined ? {} : { expiredTokenMessage: options.expiredTokenMessage }),
    clients: [{ ...CONSUMER, name: 'Decap CMS (example)', callbackUrl: `${relayOrigin}/callback` }],
  });
  const started: { close(): Promise<void> }[] = [simulator];
  try {
    const config = readRelayConfig({
      BITBUCKET_CLIENT_ID: CONSUMER.clientId,
      BITBUCKET_CLIENT_SECRET: CONSUMER.secret,
      // A new one at each start: Decap's sealed refresh tokens of an earlier run open no more.
      RELAY_SECRET: randomBytes(32).toString('base64url'),
      RELAY_ALLOWED_ORIGINS: siteOrigin,
      BITBUCKET_AUTHORIZE_URL: simulator.authorizeUrl,
      BITBUCKET_TOKEN_URL: simulator.tokenUrl,
    });
    if (!config.ok) throw new Error(config.problems.map((problem) => problem.message).join('\n'));
    const relay = await startRelayServer(config.config, ports.relay, { log: options.log ?? (() => {}) });
    started.push(relay);
    const site = await serveSite(ports.site, siteConfig(relayOrigin, simulator.apiBase));
    started.push({ close: () => closeServer(site) });
    return {
      adminUrl: `${siteOrigin}/admin/`,
      siteOrigin,
      relayOrigin,
      relay,
      simulator,
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

/** admin/config.yml for a relay and an API elsewhere than its defaults. */
export function siteConfig(relayOrigin: string, apiBase: string): string {
  return readFileSync(join(import.meta.dirname, 'admin', 'config.yml'), 'utf8')
    .replaceAll(`http://localhost:${DEFAULT_PORTS.relay}`, relayOrigin)
    .replaceAll(`http://127.0.0.1:${DEFAULT_PORTS.api}/2.0`, apiBase);
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The site: /admin/ (the page), /admin/config.yml, and Decap's files by their exact names. */
async function serveSite(port: number, config: string): Promise<Server> {
  const page = readFileSync(join(import.meta.dirname, 'admin', 'index.html'));
  // Only these names, read from the folder once: no path from a request reaches the file system.
  const bundle = new Set(readdirSync(DECAP_DIST));
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site.invalid').pathname;
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('cache-control', 'no-cache');
    if (path === '/') {
      response.writeHead(302, { location: '/admin/' }).end();
    } else if (path === '/admin/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (path === '/admin/config.yml') {
      response.writeHead(200, { 'content-type': 'text/yaml; charset=utf-8' }).end(config);
    } else if (path.startsWith('/admin/') && bundle.has(path.slice('/admin/'.length))) {
      const name = path.slice('/admin/'.length);
      response.writeHead(200, { 'content-type': TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream' });
      response.end(readFileSync(join(DECAP_DIST, name)));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function closeAll(started: readonly { close(): Promise<void> }[]): Promise<void> {
  for (const item of [...started].reverse()) await item.close();
}

function portFrom(variable: string, fallback: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`${variable} must be a port number, not "${text}".`);
  return Number(text);
}

/** What `npm start` does: start, print where things are, stop on a signal. */
async function main(): Promise<void> {
  const lifetime = process.env.SIMULATOR_TOKEN_LIFETIME;
  const message = process.env.SIMULATOR_EXPIRED_TOKEN_MESSAGE;
  if (message !== undefined && message !== 'classic' && message !== 'newer') {
    throw new Error(`SIMULATOR_EXPIRED_TOKEN_MESSAGE must be classic or newer, not "${message}".`);
  }
  if (lifetime !== undefined && !/^\d{1,6}$/.test(lifetime))
    throw new Error(`SIMULATOR_TOKEN_LIFETIME must be seconds, not "${lifetime}".`);
  const example = await startDecapExample({
    ports: {
      site: portFrom('PORT', DEFAULT_PORTS.site),
      relay: portFrom('RELAY_PORT', DEFAULT_PORTS.relay),
      auth: portFrom('SIMULATOR_AUTH_PORT', DEFAULT_PORTS.auth),
      api: portFrom('SIMULATOR_API_PORT', DEFAULT_PORTS.api),
    },
    ...(lifetime === undefined ? {} : { tokenLifetimeSeconds: Number(lifetime) }),
    ...(message === undefined ? {} : { expiredTokenMessage: message }),
    log: (line) => console.log(`  relay: ${line}`),
  });
  console.log(`Bitbucket simulator (as Bitbucket today): ${example.simulator.authOrigin} and ${example.simulator.apiBase}`);
  console.log(`Token relay: ${example.relayOrigin}, serving Decap CMS for ${example.siteOrigin} (RELAY_ALLOWED_ORIGINS)`);
  console.log(`\nDecap CMS: ${example.adminUrl}\n  "Login with Bitbucket", then "Grant access" in the popup.\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void example.close());
}

// Run only when executed directly (npm start), not when imported by the tests.
if (isMainModule(import.meta.url)) {
  await main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
