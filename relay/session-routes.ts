/**
 * The session endpoints: `POST /token` hands the app an access token from the session cookie
 * (the kept one while it is fresh enough, otherwise a new one from Bitbucket, whose new refresh
 * token replaces the old one in the cookie), and `POST /sign-out` ends the session. Both answer
 * JSON (or nothing, 204) and only to the app's own pages (relay/session-guard.ts).
 */
import type { RelayConfig } from './config.ts';
import { isFreshEnough, remainingSeconds } from './renewal-margin.ts';
import { hasBody } from './request-body.ts';
import { json, noContent } from './responses.ts';
import type { HeaderList } from './responses.ts';
import { createSessionCookies } from './session-cookie.ts';
import type { Session, SessionCookieOptions } from './session-cookie.ts';
import { allowedOrigins, answerPreflight, checkSessionRequest } from './session-guard.ts';
import { refreshAccessToken } from './token-exchange.ts';
import type { AccessToken, TokenCallDeps, TokenFailureCode } from './token-exchange.ts';

/** What the session endpoints need from outside. */
export interface SessionRouteDeps extends TokenCallDeps {
  readonly now: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Receives one line per outcome; never given tokens, cookies or secrets. */
  readonly log: (line: string) => void;
}

/** The paths the session endpoints answer, below the relay's root. */
export const SESSION_PATHS: ReadonlySet<string> = new Set(['/token', '/sign-out']);

/** The session endpoints, and the session a sign-in starts. */
export interface SessionRoutes {
  /** Answers a request to one of {@link SESSION_PATHS}, whatever its method. */
  handle(request: Request, path: string, cookie: SessionCookieOptions): Promise<Response>;
  /** The `Set-Cookie` headers that start a session with the tokens of a sign-in (or end the old one, without a refresh token). */
  start(token: AccessToken, issuedAt: number, cookie: SessionCookieOptions): Promise<HeaderList>;
}

/** Why a session request got a JSON error; the `error` of its body. */
export type SessionErrorCode =
  | 'method_not_allowed'
  | 'invalid_request'
  | 'no_session'
  | 'invalid_session'
  | 'invalid_grant'
  | 'temporarily_unavailable'
  | 'server_error';

const DESCRIPTIONS: Record<SessionErrorCode, string> = {
  method_not_allowed: 'The session endpoints answer POST only.',
  invalid_request: 'The session endpoints take no request body.',
  no_session:
    'No session cookie came with this request: sign in again. If you have just signed in, the relay is probably on another site than the app: browsers send its SameSite=Strict session cookie only with requests from its own site (the same scheme and registrable domain), so a relay on another site cannot keep a session. Serve it on the app’s origin, or at least its site, to keep sessions.',
  invalid_session:
    'The session cookie could not be used (it expired, was altered, or was sealed under another RELAY_SECRET): sign in again.',
  invalid_grant:
    'Bitbucket no longer accepts this session (its refresh token expired, was already used, or access was revoked): sign in again.',
  temporarily_unavailable: 'Bitbucket could not be reached or did not answer in time. The session is kept: try again.',
  server_error: "Bitbucket's answer could not be used. The session is kept: try again later.",
};

// Each failure of a refresh: the answer's status and error. 401s end the session; the rest keep it.
const REFRESH_FAILURES: Record<TokenFailureCode, { readonly status: number; readonly error: SessionErrorCode }> = {
  INVALID_GRANT: { status: 401, error: 'invalid_grant' },
  TIMEOUT: { status: 504, error: 'temporarily_unavailable' },
  NETWORK: { status: 502, error: 'temporarily_unavailable' },
  UPSTREAM_ERROR: { status: 502, error: 'temporarily_unavailable' },
  CLIENT_REJECTED: { status: 502, error: 'server_error' },
  REQUEST_REJECTED: { status: 502, error: 'server_error' },
  BAD_RESPONSE: { status: 502, error: 'server_error' },
  TOO_LARGE: { status: 502, error: 'server_error' },
};

/** Creates the session endpoints for a checked configuration. */
export function createSessionRoutes(config: RelayConfig, deps: SessionRouteDeps): SessionRoutes {
  const cookies = createSessionCookies(config.relaySecret, { ...deps, lifetimeSeconds: config.sessionLifetimeSeconds });
  const origins = allowedOrigins(config.allowedCallbacks);
  const endpoint = { tokenUrl: config.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret };
  const refresh = (refreshToken: string) => refreshAccessToken({ ...endpoint, refreshToken }, deps);

  return {
    async handle(request, path, cookie) {
      const step = path.slice(1);
      if (request.method === 'OPTIONS') return answerPreflight(request, origins);
      if (request.method !== 'POST') return error(405, 'method_not_allowed', [['allow', 'POST, OPTIONS']]);
      const guard = checkSessionRequest(request, origins);
      if (!guard.ok) {
        deps.log(`${step}: refused (${guard.code})`);
        return guard.response;
      }
      if (hasBody(request)) return error(413, 'invalid_request', guard.cors);
      return path === '/token' ? token(request, cookie, guard.cors) : signOut(request, cookie, guard.cors);
    },

    async start(token, issuedAt, cookie) {
      // A sign-in without a refresh token (Bitbucket as it was) keeps no session; an older one in this browser ends.
      if (token.refreshToken === undefined) return [['set-cookie', cookies.clear(cookie)]];
      return [['set-cookie', await store(sessionOf(token, issuedAt, token.refreshToken), cookie)]];
    },
  };

  async function token(request: Request, cookie: SessionCookieOptions, cors: HeaderList): Promise<Response> {
    const read = await cookies.read(request.headers.get('cookie'), cookie);
    if (read.status !== 'session') {
      deps.log(`token: ${read.status === 'none' ? 'no session cookie' : `session cookie refused (${read.code})`}`);
      return error(401, read.status === 'none' ? 'no_session' : 'invalid_session', [...cors, ['set-cookie', cookies.clear(cookie)]]);
    }
    const { session } = read;
    const now = deps.now();
    const kept = session.accessToken;
    if (kept !== undefined && isFreshEnough(kept, now)) {
      deps.log('token: the kept access token handed out');
      return json(200, tokenBody(kept.token, remainingSeconds(kept, now), session.scope), cors);
    }

    const result = await refresh(session.refreshToken);
    if (!result.ok) {
      const { status, error: code } = REFRESH_FAILURES[result.failure.code];
      deps.log(`token: refresh failed (${result.failure.code})`);
      // Refused by Bitbucket: the session is over. Otherwise it may still be good: the cookie stays.
      return error(status, code, status === 401 ? [...cors, ['set-cookie', cookies.clear(cookie)]] : cors);
    }
    const renewed = result.token;
    // Bitbucket rotates: its new refresh token replaces the old one, which no longer works.
    const next = sessionOf(renewed, now, renewed.refreshToken ?? session.refreshToken, session.scope);
    deps.log(`token: renewed at Bitbucket${renewed.refreshToken === undefined ? '' : ', refresh token rotated'}`);
    return json(200, tokenBody(renewed.accessToken, renewed.expiresIn, next.scope), [...cors, ['set-cookie', await store(next, cookie)]]);
  }

  async function signOut(request: Request, cookie: SessionCookieOptions, cors: HeaderList): Promise<Response> {
    const read = await cookies.read(request.headers.get('cookie'), cookie);
    if (read.status === 'session') {
      // Bitbucket documents no revocation endpoint. Spending the refresh token once, the answer
      // thrown away, leaves every earlier copy of this cookie unable to renew (until the renewal
      // margin, a copy still gets the access token kept in it, as the original would).
      const result = await refresh(read.session.refreshToken);
      deps.log(`sign-out: the refresh token ${result.ok ? 'was spent' : `could not be spent (${result.failure.code})`}`);
    } else {
      deps.log(`sign-out: ${read.status === 'none' ? 'no session cookie' : `session cookie refused (${read.code})`}`);
    }
    return noContent([...cors, ['set-cookie', cookies.clear(cookie)]]);
  }

  // The cookie for `session`; one that cannot be stored (it always can, within the token bounds) ends the session instead.
  async function store(session: Session, cookie: SessionCookieOptions): Promise<string> {
    return (await cookies.set(session, cookie)) ?? cookies.clear(cookie);
  }

  function error(status: number, code: SessionErrorCode, headers: HeaderList): Response {
    return json(status, { error: code, error_description: DESCRIPTIONS[code] }, headers);
  }
}

/** The session kept after `token` was issued at `issuedAt` (ms). */
function sessionOf(token: AccessToken, issuedAt: number, refreshToken: string, scope?: string): Session {
  const granted = token.scope ?? scope;
  return {
    refreshToken,
    ...(granted === undefined ? {} : { scope: granted }),
    accessToken: { token: token.accessToken, expiresAt: issuedAt + token.expiresIn * 1000, lifetimeSeconds: token.expiresIn },
  };
}

/** The body of a 200 from `POST /token`, the fields of RFC 6749 §5.1 the app uses; JSON leaves out a scope never given. */
function tokenBody(accessToken: string, expiresIn: number, scope: string | undefined): Record<string, unknown> {
  return { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn, scope };
}
