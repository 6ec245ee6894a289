/**
 * The simulator's command line: flags to `SimOptions`. Pure, so it is tested without a process.
 */
import { DEFAULT_CLIENT } from './options.ts';
import type { SimClient, SimOptions, SimWorkspaceSpec } from './options.ts';

/** What the command line asks for. */
export type CliRequest = { kind: 'run'; options: SimOptions } | { kind: 'help' } | { kind: 'error'; message: string };

/** The `--help` text. */
export const USAGE = `Usage: npm run simulator -- [options]

Runs a local Bitbucket Cloud simulator: an authorization server and an API server.

Options:
  --auth-port N                 authorization server port (default 3100; 0 = any free port)
  --api-port N                  API server port (default 3101; 0 = any free port)
  --seed N                      data seed (default 1): the same seed gives the same data
  --latency MS                  delay added to every request, preflights included (default 0)
  --http2                       serve the API over TLS with HTTP/2 (and HTTP/1.1), with a
                                self-signed certificate made at start (default: plain HTTP/1.1)
  --omit-size                   pages leave out size, page and previous
  --pagination page|cursor      how next links are built (default page)
  --client-id ID                OAuth consumer key (default ${DEFAULT_CLIENT.clientId})
  --callback-url URL            its callback URL (default ${DEFAULT_CLIENT.callbackUrl})
  --client-secret SECRET        its secret (default ${DEFAULT_CLIENT.secret ?? ''})
  --workspaces slug:count,...   the user's workspaces; the first is the personal one
  --app-origin ORIGIN,...       origins whose pages may call /__sim/* (default: the callback URL's)
  --hostile                     add records built to break careless clients
  --no-implicit-grant           refuse response_type=token, as Bitbucket Cloud does since 27 Feb 2026
  --bitbucket-today             behave as Bitbucket Cloud does today: implicit grant refused, 3600 s
                                tokens with "scope", rotating refresh tokens that expire unused,
                                unauthorized_client for bad client credentials (docs/simulator.md)
  --token-lifetime SECONDS      how long access tokens live, a positive whole number of seconds
                                (default 7200, or 3600 with --bitbucket-today; this flag wins in both)
  --expired-token-message classic|newer
                                the 401 for an expired token: classic (default) "Access token
                                expired. Use your refresh token…", or newer "Token is invalid,
                                expired, or not supported for this endpoint."
  --help                        show this text
`;

const BOOLEAN_FLAGS = new Set(['--omit-size', '--hostile', '--no-implicit-grant', '--bitbucket-today', '--http2', '--help', '-h']);
const VALUE_FLAGS = new Set([
  '--auth-port',
  '--api-port',
  '--seed',
  '--latency',
  '--pagination',
  '--client-id',
  '--callback-url',
  '--client-secret',
  '--workspaces',
  '--app-origin',
  '--token-lifetime',
  '--expired-token-message',
]);

/** Reads the arguments after `cli.ts`; `--flag value` and `--flag=value` both work. */
export function parseCliArgs(argv: readonly string[]): CliRequest {
  const options: SimOptions = { authPort: 3100, apiPort: 3101 };
  const client: SimClient = { ...DEFAULT_CLIENT };
  let clientChanged = false;

  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    if (BOOLEAN_FLAGS.has(flag)) {
      if (flag !== arg) return { kind: 'error', message: `${flag} takes no value` };
      if (flag === '--help' || flag === '-h') return { kind: 'help' };
      if (flag === '--omit-size') options.omitSize = true;
      if (flag === '--hostile') options.hostile = true;
      if (flag === '--no-implicit-grant') options.implicitGrant = false;
      if (flag === '--bitbucket-today') options.bitbucketToday = true;
      if (flag === '--http2') options.http2 = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) return { kind: 'error', message: `Unknown option: ${arg}` };
    let value: string | undefined;
    if (flag !== arg) {
      value = arg.slice(equals + 1);
    } else {
      value = argv[i + 1];
      i += 1;
    }
    if (value === undefined || value === '') return { kind: 'error', message: `${flag} needs a value` };

    switch (flag) {
      case '--auth-port':
      case '--api-port': {
        const port = integer(value);
        if (port === undefined || port > 65535)
          return { kind: 'error', message: `${flag} must be a port number (0–65535), got "${value}"` };
        if (flag === '--auth-port') options.authPort = port;
        else options.apiPort = port;
        break;
      }
      case '--seed': {
        const seed = integer(value);
        if (seed === undefined) return { kind: 'error', message: `--seed must be a non-negative integer, got "${value}"` };
        options.seed = seed;
        break;
      }
      case '--latency': {
        const latency = integer(value);
        if (latency === undefined) return { kind: 'error', message: `--latency must be milliseconds, got "${value}"` };
        options.latencyMs = latency;
        break;
      }
      case '--token-lifetime': {
        const seconds = integer(value);
        if (seconds === undefined || seconds < 1 || !Number.isSafeInteger(seconds))
          return { kind: 'error', message: `--token-lifetime must be a positive whole number of seconds, got "${value}"` };
        options.tokenLifetimeSeconds = seconds;
        break;
      }
      case '--expired-token-message':
        if (value !== 'classic' && value !== 'newer')
          return { kind: 'error', message: `--expired-token-message must be classic or newer, got "${value}"` };
        options.expiredTokenMessage = value;
        break;
      case '--pagination':
        if (value !== 'page' && value !== 'cursor')
          return { kind: 'error', message: `--pagination must be page or cursor, got "${value}"` };
        options.pagination = value;
        break;
      case '--client-id':
        client.clientId = value;
        clientChanged = true;
        break;
      case '--callback-url':
        if (!URL.canParse(value)) return { kind: 'error', message: `--callback-url must be an absolute URL, got "${value}"` };
        client.callbackUrl = value;
        clientChanged = true;
        break;
      case '--client-secret':
        client.secret = value;
        clientChanged = true;
        break;
      case '--app-origin': {
        const origins = value.split(',').map((origin) => origin.trim());
        const bad = origins.find((origin) => !URL.canParse(origin) || new URL(origin).origin !== origin.replace(/\/$/, ''));
        if (bad !== undefined)
          return { kind: 'error', message: `--app-origin expects origins such as http://localhost:3000, got "${bad}"` };
        options.appOrigins = origins;
        break;
      }
      case '--workspaces': {
        const workspaces = parseWorkspaces(value);
        if (typeof workspaces === 'string') return { kind: 'error', message: workspaces };
        options.workspaces = workspaces;
        break;
      }
    }
  }
  if (clientChanged) options.clients = [client];
  return { kind: 'run', options };
}

function integer(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

// `acme:288,tiny:5` → specs named after their slugs ("Acme", "Tiny"); a string is an error.
function parseWorkspaces(value: string): SimWorkspaceSpec[] | string {
  const specs: SimWorkspaceSpec[] = [];
  for (const item of value.split(',')) {
    const match = /^([a-z0-9][a-z0-9._-]*):(\d+)$/i.exec(item.trim());
    if (match === null) return `--workspaces expects slug:count,slug:count (e.g. acme:288,tiny:5), got "${item}"`;
    const slug = match[1] ?? '';
    if (specs.some((spec) => spec.slug === slug)) return `--workspaces names ${slug} twice`;
    specs.push({ slug, name: titleCase(slug), repositories: Number(match[2]) });
  }
  return specs;
}

function titleCase(slug: string): string {
  return slug
    .split(/[-_.]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(' ');
}
