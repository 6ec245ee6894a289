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
  /** Lifetime of access tokens. Default 7200, or 3600 with `bitbucketToday`. */
  tokenLifetimeSeconds?: number;
  /**
   * The words of the 401 for an expired access token: 'classic' (default), "Access token expired.
   * Use your refresh token to obtain a new access token.", or 'newer', "Token is invalid, expired,
   * or not supported for this endpoint." Clients that refresh only on the first (Decap CMS) stop
   * refreshing on the second.
   */
  expiredTokenMessage?: ExpiredTokenMessage;
  /** Lifetime of authorization codes. Default 60. */
  codeLifetimeSeconds?: number;
  /** Name of the scope parameter in the implicit redirect's fragment. Default 'scopes', or 'scope' with `bitbucketToday`. */
  scopeParam?: 'scopes' | 'scope';
  /**
   * Serves the implicit grant (`response_type=token`). Default true (false with `bitbucketToday`). False answers it as
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
  apiTokens?: SimApiToken[];
  /**
   * Origins whose pages may call the control endpoint `/__sim/*` (a request sending any other
   * `Origin` gets 403; tools and tests send none). Default: the origins of the clients' callback
   * URLs, i.e. the app's own. Fixed at start.
   */
  appOrigins?: string[];
  /**
   * Behave as Bitbucket Cloud does today (2026) rather than as it did when the implicit grant
   * worked: the implicit grant refused, `scope` and 3600 s tokens, refresh tokens that rotate on
   * each use and expire unused, `unauthorized_client` for bad client credentials. Options set
   * explicitly (say `implicitGrant: true`) still win. Default false (the classic behaviour).
   */
  bitbucketToday?: boolean;
  /** How long an unused refresh token lives. Default: for ever, or 90 days with `bitbucketToday`. */
  refreshTokenLifetimeSeconds?: number;
  /** Clock in milliseconds, for token and code expiry and the request log. Default Date.now. */
  now?: () => number;
}

/** Which words the API uses for an expired access token; see `SimOptions.expiredTokenMessage`. */
export type ExpiredTokenMessage = 'classic' | 'newer';

/** An Atlassian API token, with the Atlassian scope names it was created with. */
export interface SimApiToken {
  email: string;
  token: string;
  /** e.g. `read:user:bitbucket`. Default: the three read scopes this app needs. */
  scopes?: string[];
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
  expiredTokenMessage: ExpiredTokenMessage;
  codeLifetimeSeconds: number;
  scopeParam: 'scopes' | 'scope';
  implicitGrant: boolean;
  omitSize: boolean;
  pagination: 'page' | 'cursor';
  latencyMs: number;
  apiTokens: SimApiToken[];
  appOrigins: string[];
  bitbucketToday: boolean;
  /** null: refresh tokens never expire. */
  refreshTokenLifetimeSeconds: number | null;
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

/** The read scopes an API token needs for everything this app does (Atlassian's names). */
export const API_TOKEN_SCOPES = ['read:user:bitbucket', 'read:workspace:bitbucket', 'read:repository:bitbucket'] as const;

/** Unused refresh tokens expire after three months since CHANGE-3052. */
const TODAY_REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 60 * 60;

/** The defaults that differ between the classic behaviour and `bitbucketToday`. */
export function modeDefaults(
  bitbucketToday: boolean,
): Pick<ResolvedOptions, 'implicitGrant' | 'scopeParam' | 'tokenLifetimeSeconds' | 'refreshTokenLifetimeSeconds'> {
  return bitbucketToday
    ? {
        implicitGrant: false,
        scopeParam: 'scope',
        tokenLifetimeSeconds: 3600,
        refreshTokenLifetimeSeconds: TODAY_REFRESH_TOKEN_LIFETIME_SECONDS,
      }
    : { implicitGrant: true, scopeParam: 'scopes', tokenLifetimeSeconds: 7200, refreshTokenLifetimeSeconds: null };
}

/** Fills in the defaults. */
export function resolveOptions(options: SimOptions): ResolvedOptions {
  const mode = modeDefaults(options.bitbucketToday ?? false);
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
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? mode.tokenLifetimeSeconds,
    expiredTokenMessage: options.expiredTokenMessage ?? 'classic',
    codeLifetimeSeconds: options.codeLifetimeSeconds ?? 60,
    scopeParam: options.scopeParam ?? mode.scopeParam,
    implicitGrant: options.implicitGrant ?? mode.implicitGrant,
    omitSize: options.omitSize ?? false,
    pagination: options.pagination ?? 'page',
    latencyMs: options.latencyMs ?? 0,
    apiTokens: options.apiTokens ?? [DEFAULT_API_TOKEN],
    appOrigins: (options.appOrigins ?? callbackOrigins(options.clients ?? [DEFAULT_CLIENT])).map((origin) => new URL(origin).origin),
    bitbucketToday: options.bitbucketToday ?? false,
    refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? mode.refreshTokenLifetimeSeconds,
    now: options.now ?? Date.now,
  };
}

// The app is served where its callback is: that origin is the app's own.
function callbackOrigins(clients: readonly SimClient[]): string[] {
  return clients.filter((client) => URL.canParse(client.callbackUrl)).map((client) => new URL(client.callbackUrl).origin);
}

/**
 * Options fixed once the servers are started: where and how they listen, and who may control them
 * (a page allowed to configure must not be able to let another site in).
 */
export const FIXED_AT_START = ['host', 'authPort', 'apiPort', 'publicHost', 'http2', 'appOrigins'] as const;

/** Returns the options with a run-time patch applied (ports and host excluded by the caller). */
export function applyPatch(current: ResolvedOptions, patch: SimPatch): ResolvedOptions {
  const next = { ...current };
  // Switching the mode brings its defaults, except for what the same patch sets explicitly.
  if (patch.bitbucketToday !== undefined) Object.assign(next, modeDefaults(patch.bitbucketToday), { bitbucketToday: patch.bitbucketToday });
  if (patch.seed !== undefined) next.seed = patch.seed;
  if (patch.workspaces !== undefined) next.workspaces = patch.workspaces;
  if (patch.hostile !== undefined) next.hostile = patch.hostile;
  if (patch.clients !== undefined) next.clients = patch.clients;
  if (patch.tokenLifetimeSeconds !== undefined) next.tokenLifetimeSeconds = patch.tokenLifetimeSeconds;
  if (patch.expiredTokenMessage !== undefined) next.expiredTokenMessage = patch.expiredTokenMessage;
  if (patch.codeLifetimeSeconds !== undefined) next.codeLifetimeSeconds = patch.codeLifetimeSeconds;
  if (patch.scopeParam !== undefined) next.scopeParam = patch.scopeParam;
  if (patch.implicitGrant !== undefined) next.implicitGrant = patch.implicitGrant;
  if (patch.omitSize !== undefined) next.omitSize = patch.omitSize;
  if (patch.pagination !== undefined) next.pagination = patch.pagination;
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs;
  if (patch.apiTokens !== undefined) next.apiTokens = patch.apiTokens;
  if (patch.refreshTokenLifetimeSeconds !== undefined) next.refreshTokenLifetimeSeconds = patch.refreshTokenLifetimeSeconds;
  if (patch.now !== undefined) next.now = patch.now;
  return next;
}

/** True when a patch changes the generated data, which must then be generated again. */
export function changesData(patch: SimPatch): boolean {
  return patch.seed !== undefined || patch.workspaces !== undefined || patch.hostile !== undefined;
}
