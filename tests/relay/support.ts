/**
 * Shared fixtures for the relay tests: a valid configuration, a fake token endpoint and a clock,
 * all injected (no global is patched).
 */
import { connect } from 'node:net';
import { expect } from 'vitest';
import { readRelayConfig } from '../../relay/config.ts';
import type { RelayConfig, RelayEnv } from '../../relay/config.ts';
import { createRelay } from '../../relay/relay.ts';
import type { RelayDeps, RelayHandler } from '../../relay/relay.ts';

// Distinctive values, so a test can search logs and pages for them.
export const APP_CALLBACK = 'http://localhost:3000/oauth-callback';
export const CLIENT_ID = 'relay-test-key';
export const CLIENT_SECRET = 'client-secret-NEVER-LOG-7f3a';
export const RELAY_SECRET = 'relay-secret-NEVER-LOG-0123456789abcdef';
export const ACCESS_TOKEN = 'access-token-NEVER-LOG-91c2';
export const REFRESH_TOKEN = 'refresh-token-NEVER-LOG-55d0';
export const CODE = 'auth-code-NEVER-LOG-3e8b';
export const APP_STATE = 'app-state-NEVER-LOG-a1b2c3';

/** A complete, valid environment; `overrides` replace or (with undefined) remove entries. */
export function testEnv(overrides: RelayEnv = {}): RelayEnv {
  return {
    BITBUCKET_CLIENT_ID: CLIENT_ID,
    BITBUCKET_CLIENT_SECRET: CLIENT_SECRET,
    RELAY_ALLOWED_CALLBACKS: `${APP_CALLBACK},https://localhost:3443/oauth-callback`,
    RELAY_SECRET,
    ...overrides,
  };
}

/** A checked configuration from {@link testEnv}. */
export function testConfig(overrides: RelayEnv = {}): RelayConfig {
  const result = readRelayConfig(testEnv(overrides));
  if (!result.ok) throw new Error(`test config invalid: ${result.problems.map((p) => p.message).join('; ')}`);
  return result.config;
}

/** A token endpoint answer. */
export function tokenResponse(body: unknown, status = 200, contentType = 'application/json'): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': contentType },
  });
}

/** Bitbucket's usual token answer (with `scope`, as since May 2026, and a refresh token). */
export function bitbucketToken(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access_token: ACCESS_TOKEN,
    refresh_token: REFRESH_TOKEN,
    token_type: 'bearer',
    expires_in: 7200,
    scope: 'account repository',
    ...extra,
  };
}

/** One recorded call to the fake fetch. */
export interface FetchCall {
  readonly url: string;
  readonly init: RequestInit;
}

/** A relay wired to a fake token endpoint, a settable clock and a captured log. */
export function testRelay(
  answer: (call: FetchCall) => Promise<Response> | Response = () => tokenResponse(bitbucketToken()),
  options: { config?: RelayConfig; deps?: RelayDeps } = {},
) {
  const calls: FetchCall[] = [];
  const logs: string[] = [];
  const clock = { now: Date.UTC(2026, 10, 28, 12, 0, 0) };
  let randomCounter = 0;
  const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return answer(call);
  };
  const relay: RelayHandler = createRelay(options.config ?? testConfig(), {
    fetch: fakeFetch,
    now: () => clock.now,
    // Different bytes for each nonce, so two sign-ins (two "browsers") get different cookies.
    randomBytes: (length) => new Uint8Array(length).fill((randomCounter += 1)),
    log: (line) => logs.push(line),
    ...options.deps,
  });
  return { relay, calls, logs, clock };
}

/** What /authorize handed out: the URL to Bitbucket, the relay's state and the browser's cookie. */
export interface SignInStart {
  readonly response: Response;
  readonly bitbucketUrl: URL;
  readonly relayState: string;
  /** The `name=value` pair to send back in a Cookie header. */
  readonly cookie: string;
}

/** Calls /authorize as the app would and returns what a browser would keep. */
export async function startSignIn(
  relay: RelayHandler,
  params: Record<string, string> = { state: APP_STATE, redirect_uri: APP_CALLBACK },
  origin = 'http://localhost:3001',
): Promise<SignInStart> {
  const response = await relay(new Request(`${origin}/authorize?${new URLSearchParams(params)}`));
  expect(response.status).toBe(302);
  const bitbucketUrl = new URL(response.headers.get('location') ?? '');
  const relayState = bitbucketUrl.searchParams.get('state') ?? '';
  const setCookie = response.headers.getSetCookie()[0] ?? '';
  return { response, bitbucketUrl, relayState, cookie: setCookie.split(';')[0] ?? '' };
}

/** Calls /callback as Bitbucket's redirect would, with the browser's cookie when given. */
export function callback(
  relay: RelayHandler,
  params: Record<string, string>,
  cookie?: string,
  origin = 'http://localhost:3001',
): Promise<Response> {
  const headers = cookie === undefined ? {} : { cookie };
  return relay(new Request(`${origin}/callback?${new URLSearchParams(params)}`, { headers }));
}

/** The fragment of a redirect's Location, as the app will read it. */
export function fragmentOf(response: Response): URLSearchParams {
  const location = response.headers.get('location') ?? '';
  return new URLSearchParams(new URL(location).hash.slice(1));
}

/** The target of a redirect without its fragment. */
export function targetOf(response: Response): string {
  const url = new URL(response.headers.get('location') ?? '');
  url.hash = '';
  return url.href;
}

/** An HTTP answer read off the wire: status, headers (names in lower case) and body. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * Sends `head` (a request's line and headers, without the blank line that ends them) exactly as
 * written to the server at `url`, with `Connection: close`, and reads its answer until the server
 * closes the connection. For requests `fetch` would not send (such as TRACE).
 */
export function rawRequest(url: string, head: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [top = '', content = ''] = received.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = top.split('\r\n');
      const headers = new Map(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: headers.get('transfer-encoding') === 'chunked' ? unchunk(content) : content,
      });
    });
    socket.end(`${head}\r\nConnection: close\r\n\r\n`);
  });
}

/** The data of a chunked HTTP/1.1 body (sizes in hex, each chunk followed by CRLF, a 0 at the end). */
function unchunk(framed: string): string {
  let data = '';
  let rest = framed;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return data;
    data += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/**
 * A token endpoint that behaves as Bitbucket's does today: each code and each refresh token works
 * once, and each answer carries a new refresh token (rotation). Tokens are numbered, and each holds
 * NEVER-LOG so a test can search logs and pages for them.
 */
export function rotatingBitbucket(options: { expiresIn?: number; scope?: string } = {}) {
  let issued = 0;
  const live = new Set<string>();
  const refused: string[] = [];
  const answer = (call: FetchCall): Response => {
    const form = new URLSearchParams(String(call.init.body));
    if (form.get('grant_type') === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      if (!live.delete(presented)) {
        refused.push(presented);
        return tokenResponse({ error: 'invalid_grant', error_description: 'The refresh token is not valid.' }, 400);
      }
    }
    issued += 1;
    live.add(`refresh-NEVER-LOG-${issued}`);
    return tokenResponse({
      access_token: `access-NEVER-LOG-${issued}`,
      refresh_token: `refresh-NEVER-LOG-${issued}`,
      token_type: 'bearer',
      expires_in: options.expiresIn ?? 3600,
      ...(options.scope === undefined ? { scope: 'account repository' } : { scope: options.scope }),
    });
  };
  return { answer, live, refused, issued: () => issued };
}

/** The `name=value` pair of a `Set-Cookie` line, as a browser sends it back. */
export function cookiePair(setCookie: string | undefined): string {
  return (setCookie ?? '').split(';')[0] ?? '';
}

/** A request to a session endpoint as the app makes it: POST, its Origin, the custom header, the cookie. */
export function sessionRequest(
  path: '/token' | '/sign-out',
  cookie: string | undefined,
  options: { origin?: string | null; header?: string | null; method?: string; relay?: string } = {},
): Request {
  const headers = new Headers();
  const origin = options.origin === undefined ? 'http://localhost:3000' : options.origin;
  const header = options.header === undefined ? '1' : options.header;
  if (origin !== null) headers.set('origin', origin);
  if (header !== null) headers.set('x-bitbucket-relay', header);
  if (cookie !== undefined) headers.set('cookie', cookie);
  return new Request(`${options.relay ?? 'http://localhost:3001'}${path}`, { method: options.method ?? 'POST', headers });
}
