/**
 * The simulator's options: their types, their defaults, and how a run-time patch is applied.
 */
import type { FaultRule } from './faults.ts';

/** An OAuth consumer registered with the simulated authorization server. */
export interface SimClient {
  /** Bitbucket calls this the consumer's Key. */
  clientId: string;
  /** Shown on the consent page. */
  name: string;
  /** The consumer's callback URL; a `redirect_uri` must start with it. Empty = none configured. */
  callbackUrl: string;
  /** Needed only at the token endpoint (authorization-code grant). */
  secret?: string;
}

/** One workspace of the generated data set. */
export interface SimWorkspaceSpec {
  slug: string;
  name: string;
  /** How many repositories to generate in it. */
  repositories: number;
}

/** Options that decide the generated data. */
export interface SimDataOptions {
  /** Same seed, same data. Default 1. */
  seed?: number;
  /** The user's workspaces; the first is the user's personal workspace. */
  workspaces?: SimWorkspaceSpec[];
  /** Adds records built to break careless clients (script in names, `javascript:` links, …). */
  hostile?: boolean;
}

/** Everything `startSimulator` accepts. */
export interface SimOptions extends SimDataOptions {
  /** Interface both servers listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port of the authorization server (bitbucket.org role). Default 0 = any free port. */
  authPort?: number;
  /** Port of the API server (api.bitbucket.org role). Default 0 = any free port. */
  apiPort?: number;
  /** Host name used in the URLs the simulator hands out. Default 'localhost'. */
  publicHost?: string;
  /**
   * Serves the API over TLS with HTTP/2 (HTTP/1.1 over TLS accepted too), as browsers reach
   * api.bitbucket.org, with a self-signed certificate made at start. Default false: plain HTTP/1.1.
   * The authorization server stays plain HTTP either way.
   */
  http2?: boolean;
  /** Registered OAuth consumers. */
  clients?: SimClient[];
  /** Lifetime of access tokens. Default 7200. */
  tokenLifetimeSeconds?: number;
  /** Lifetime of authorization codes. Default 60. */
  codeLifetimeSeconds?: number;
  /** Name of the scope parameter in the implicit redirect's fragment. Default 'scopes'. */
  scopeParam?: 'scopes' | 'scope';
  /**
   * Serves the implicit grant (`response_type=token`). Default true. False answers it as
   * Bitbucket Cloud has since 27 February 2026: `#error=unsupported_response_type` (unconfirmed).
   */
  implicitGrant?: boolean;
  /** Pages leave out `size`, `page` and `previous` (only `values` and `next` are guaranteed). */
  omitSize?: boolean;
  /** 'page' (default): `next` is `…?page=N`; 'cursor': `next` carries an opaque `cursor=`. */
  pagination?: 'page' | 'cursor';
  /** Added to every request on both servers, CORS preflights included. Default 0. */
  latencyMs?: number;
  /** Atlassian API tokens accepted as HTTP Basic `email:token`. */
  apiTokens?: Array<{ email: string; token: string }>;
  /** Clock in milliseconds, for token and code expiry and the request log. Default Date.now. */
  now?: () => number;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  seed: number;
  workspaces: SimWorkspaceSpec[] | undefined;
  hostile: boolean;
  host: string;
  authPort: number;
  apiPort: number;
  publicHost: string;
  http2: boolean;
  clients: SimClient[];
  tokenLifetimeSeconds: number;
  codeLifetimeSeconds: number;
  scopeParam: 'scopes' | 'scope';
  implicitGrant: boolean;
  omitSize: boolean;
  pagination: 'page' | 'cursor';
  latencyMs: number;
  apiTokens: Array<{ email: string; token: string }>;
  now: () => number;
}

/** A change applied at run time through `configure` or `POST /__sim/configure`. */
export type SimPatch = Partial<SimOptions & { faults: FaultRule[] }>;

/** The consumer the demo uses. */
export const DEFAULT_CLIENT: SimClient = {
  clientId: 'demo-client',
  name: 'Bitbucket starter (demo)',
  callbackUrl: 'http://localhost:3000/',
  secret: 'demo-secret',
};

/** The API token the demo accepts. */
export const DEFAULT_API_TOKEN = { email: 'demo@example.com', token: 'demo-api-token' };

/** Fills in the defaults. */
export function resolveOptions(options: SimOptions): ResolvedOptions {
  return {
    seed: options.seed ?? 1,
    workspaces: options.workspaces,
    hostile: options.hostile ?? false,
    host: options.host ?? '127.0.0.1',
    authPort: options.authPort ?? 0,
    apiPort: options.apiPort ?? 0,
    publicHost: options.publicHost ?? 'localhost',
    http2: options.http2 ?? false,
    clients: options.clients ?? [DEFAULT_CLIENT],
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 7200,
    codeLifetimeSeconds: options.codeLifetimeSeconds ?? 60,
    scopeParam: options.scopeParam ?? 'scopes',
    implicitGrant: options.implicitGrant ?? true,
    omitSize: options.omitSize ?? false,
    pagination: options.pagination ?? 'page',
    latencyMs: options.latencyMs ?? 0,
    apiTokens: options.apiTokens ?? [DEFAULT_API_TOKEN],
    now: options.now ?? Date.now,
  };
}

/** Options that decide where the servers listen: fixed once they are started. */
export const FIXED_AT_START = ['host', 'authPort', 'apiPort', 'publicHost', 'http2'] as const;

/** Returns the options with a run-time patch applied (ports and host excluded by the caller). */
export function applyPatch(current: ResolvedOptions, patch: SimPatch): ResolvedOptions {
  const next = { ...current };
  if (patch.seed !== undefined) next.seed = patch.seed;
  if (patch.workspaces !== undefined) next.workspaces = patch.workspaces;
  if (patch.hostile !== undefined) next.hostile = patch.hostile;
  if (patch.clients !== undefined) next.clients = patch.clients;
  if (patch.tokenLifetimeSeconds !== undefined) next.tokenLifetimeSeconds = patch.tokenLifetimeSeconds;
  if (patch.codeLifetimeSeconds !== undefined) next.codeLifetimeSeconds = patch.codeLifetimeSeconds;
  if (patch.scopeParam !== undefined) next.scopeParam = patch.scopeParam;
  if (patch.implicitGrant !== undefined) next.implicitGrant = patch.implicitGrant;
  if (patch.omitSize !== undefined) next.omitSize = patch.omitSize;
  if (patch.pagination !== undefined) next.pagination = patch.pagination;
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs;
  if (patch.apiTokens !== undefined) next.apiTokens = patch.apiTokens;
  if (patch.now !== undefined) next.now = patch.now;
  return next;
}

/** True when a patch changes the generated data, which must then be generated again. */
export function changesData(patch: SimPatch): boolean {
  return patch.seed !== undefined || patch.workspaces !== undefined || patch.hostile !== undefined;
}
