/**
 * Everything a running simulator knows, in one object its two servers share. It lives in the
 * closure of one `startSimulator` call: two simulators never share state.
 */
import { compileFaults } from './faults.ts';
import type { ActiveFault } from './faults.ts';
import { generateDataset } from './data.ts';
import type { SimDataset } from './data.ts';
import { FIXED_AT_START, applyPatch, changesData } from './options.ts';
import type { ResolvedOptions, SimDataOptions, SimPatch } from './options.ts';
import { DEFAULT_SCOPES, createTokenStore } from './tokens.ts';
import type { TokenStore } from './tokens.ts';

/** One request as the request log keeps it. */
export interface SimRequestRecord {
  server: 'auth' | 'api';
  method: string;
  /** Absolute URL, on the server's public origin; a secret in the query only as its fingerprint. */
  url: string;
  /**
   * Request headers, names in lowercase. `Authorization` is kept as its scheme and a fingerprint
   * (`Bearer sha256:1a2b3c4d`, see `fingerprint`), cookie values as fingerprints: never a credential.
   */
  headers: Record<string, string>;
  /** 0 when the connection was dropped on purpose. */
  status: number;
  /** Length of the response body in bytes. */
  bytes: number;
  /** Clock time (ms, from the `now` option) when the request arrived. */
  time: number;
  /** Clock time when the answer was written (or the connection dropped), latency and delays included. */
  answeredTime: number;
  /** How the request came: HTTP/2 (only with the `http2` option) or HTTP/1.1. */
  protocol: 'h2' | 'http/1.1';
}

/** The mutable state of one running simulator. */
export interface SimState {
  options: ResolvedOptions;
  /** The options it was started with, for `reset`. */
  readonly startOptions: ResolvedOptions;
  data: SimDataset;
  faults: ActiveFault[];
  readonly tokens: TokenStore;
  log: SimRequestRecord[];
  authOrigin: string;
  apiOrigin: string;
}

/** Creates the state for a simulator about to start. */
export function createState(options: ResolvedOptions): SimState {
  return {
    options,
    startOptions: options,
    data: generateDataset(dataOptions(options)),
    faults: [],
    tokens: createTokenStore(),
    log: [],
    authOrigin: '',
    apiOrigin: '',
  };
}

/** Applies a run-time change; throws (changing nothing) if the patch is not acceptable. */
export function configureState(state: SimState, patch: SimPatch): void {
  for (const key of FIXED_AT_START) {
    if (patch[key] !== undefined) throw new TypeError(`${key} cannot be changed while the simulator runs`);
  }
  // Compiled before anything changes, so a bad rule leaves the simulator as it was.
  const faults = patch.faults === undefined ? undefined : compileFaults(patch.faults);
  state.options = applyPatch(state.options, patch);
  if (changesData(patch)) state.data = generateDataset(dataOptions(state.options));
  if (faults !== undefined) state.faults = faults;
}

/** Back to the start options with no faults. Tokens stay valid; the log is kept. */
export function resetState(state: SimState): void {
  state.options = state.startOptions;
  state.data = generateDataset(dataOptions(state.options));
  state.faults = [];
}

function dataOptions(options: ResolvedOptions): SimDataOptions {
  const data: SimDataOptions = { seed: options.seed, hostile: options.hostile };
  if (options.workspaces !== undefined) data.workspaces = options.workspaces;
  return data;
}

/** Mints a valid bearer token directly, as a test would, skipping the consent page. */
export function issueTestToken(state: SimState, options: { lifetimeSeconds?: number; scopes?: string } = {}): string {
  return state.tokens.issueToken({
    clientId: null,
    scopes: options.scopes ?? DEFAULT_SCOPES,
    lifetimeSeconds: options.lifetimeSeconds ?? state.options.tokenLifetimeSeconds,
    now: state.options.now(),
  }).token;
}
