/**
 * A local Bitbucket Cloud simulator: an authorization server (the bitbucket.org role) and an API
 * server (the api.bitbucket.org role) on two ports, so a browser applies CORS as in production.
 * Importing this module starts nothing; call `startSimulator`.
 */
import type { Server } from 'node:net';
import { createApiHandler } from './api-server.ts';
import { AUTHORIZE_PATH, TOKEN_PATH, createAuthHandler } from './auth-server.ts';
import { createCertificate } from './certificate.ts';
import { createControlHandler, isControlPath } from './control.ts';
import { withCors } from './cors.ts';
import type { SimDataset } from './data.ts';
import type { FaultRule } from './faults.ts';
import { resolveOptions } from './options.ts';
import type { SimOptions } from './options.ts';
import { createSimServer } from './server.ts';
import { configureState, createState, issueTestToken } from './state.ts';
import type { SimRequestRecord } from './state.ts';

export type { SimClient, SimDataOptions, SimOptions, SimPatch, SimWorkspaceSpec } from './options.ts';
export { DEFAULT_API_TOKEN, DEFAULT_CLIENT } from './options.ts';
export { CERTIFICATE_NAMES } from './certificate.ts';
export type { SimDataset, SimWorkspaceData } from './data.ts';
export { DEFAULT_USER, DEFAULT_WORKSPACES, OUTSIDER_WORKSPACE_SLUG, generateDataset } from './data.ts';
export type { FaultRule } from './faults.ts';
export { fingerprint } from './redact.ts';
export type { SimRequestRecord } from './state.ts';
export type * from './wire-types.ts';

/** A running simulator. */
export interface Simulator {
  /** e.g. 'http://localhost:3100' */
  authOrigin: string;
  /** authOrigin + '/site/oauth2/authorize' */
  authorizeUrl: string;
  /** authOrigin + '/site/oauth2/access_token' */
  tokenUrl: string;
  /** e.g. 'http://localhost:3101/2.0', or 'https://localhost:3101/2.0' with `http2` */
  apiBase: string;
  /**
   * With `http2`: the API server's self-signed certificate (PEM), made at start, for clients to
   * trust, and its SHA-256 fingerprint. Null over plain HTTP.
   */
  certificate: { cert: string; fingerprint: string } | null;
  /** The data currently served (regenerated when data options change). Treat as read-only. */
  data: SimDataset;
  /** Mints a valid bearer token directly (for tests). */
  issueToken(opts?: { lifetimeSeconds?: number; scopes?: string }): string;
  revokeToken(token: string): void;
  /** Fingerprints of the refresh tokens presented again after a rotation had used them up (should be none). */
  refreshTokensUsedTwice(): string[];
  /** Changes behaviour at run time; throws a TypeError for host/ports or a bad fault rule. */
  configure(patch: Partial<SimOptions & { faults: FaultRule[] }>): void;
  /** The request log of both servers (control requests excluded), in completion order; credentials only as fingerprints. */
  requests(): SimRequestRecord[];
  clearRequests(): void;
  close(): Promise<void>;
}

/** Starts both servers and resolves once they listen. */
export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const state = createState(resolved);

  // Browsers speak HTTP/2 only over TLS: a certificate for this run, trusted by no one by default.
  const tls = resolved.http2 ? createCertificate() : undefined;
  const authServer = createSimServer({
    name: 'auth',
    state,
    origin: () => state.authOrigin,
    handle: createAuthHandler(state),
  });
  const apiServer = createSimServer(
    {
      name: 'api',
      state,
      origin: () => state.apiOrigin,
      handle: createApiHandler(state),
      control: { matches: isControlPath, handle: createControlHandler(state) },
      // Every API answer is readable cross-origin, errors included; a preflight sets its own.
      finish: (response, request) => (request.method === 'OPTIONS' ? response : withCors(response)),
    },
    tls,
  );

  const authPort = await listen(authServer.server, resolved.authPort, resolved.host);
  let apiPort: number;
  try {
    apiPort = await listen(apiServer.server, resolved.apiPort, resolved.host);
  } catch (error) {
    await authServer.close();
    throw error;
  }
  state.authOrigin = `http://${resolved.publicHost}:${authPort}`;
  state.apiOrigin = `${tls ? 'https' : 'http'}://${resolved.publicHost}:${apiPort}`;

  return {
    authOrigin: state.authOrigin,
    authorizeUrl: state.authOrigin + AUTHORIZE_PATH,
    tokenUrl: state.authOrigin + TOKEN_PATH,
    apiBase: `${state.apiOrigin}/2.0`,
    certificate: tls ? { cert: tls.cert, fingerprint: tls.fingerprint } : null,
    get data() {
      return state.data;
    },
    issueToken: (opts) => issueTestToken(state, opts),
    revokeToken: (token) => state.tokens.revoke(token),
    refreshTokensUsedTwice: () => state.tokens.refreshTokensUsedTwice(),
    configure: (patch) => configureState(state, patch),
    requests: () => [...state.log],
    clearRequests: () => {
      state.log = [];
    },
    close: async () => {
      await Promise.all([authServer.close(), apiServer.close()]);
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
