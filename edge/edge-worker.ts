/**
 * The whole app as one Cloudflare Worker, on one origin: the built pages as static assets (Workers
 * static assets apply the build's `_headers` to them), and the token relay under `/relay/*`, where
 * `npm start` mounts it too. One origin keeps the relay's cookies first-party: a relay on another
 * site holds a third-party cookie, which Safari blocks and Firefox partitions.
 * Its entry point is edge/worker.ts; configuration: edge/wrangler.jsonc; deployment: docs/deploy.md.
 */
import { readRelayConfig } from '../relay/config.ts';
import type { RelayConfig, RelayEnv } from '../relay/config.ts';
import { createRelay } from '../relay/relay.ts';
import { htmlPage } from '../relay/responses.ts';
import { COMMON_HEADERS } from '../scripts/security-headers.ts';

/** Where the relay answers on the app's origin (as in the dev server); its routes are below it. */
export const RELAY_PATH = '/relay';

/** The static assets binding: serves the build, with its `_headers`, and a 404 for anything else. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

/** The Worker's environment: the assets, vars from wrangler.jsonc, secrets from `wrangler secret put`. */
export interface EdgeEnv {
  readonly ASSETS: AssetsBinding;
  readonly [variable: string]: unknown;
}

/** Where the Worker writes its lines; Cloudflare keeps console output as the Worker's logs. */
export interface EdgeLog {
  readonly info: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The relay's own path for a path on the app's origin (`/relay/authorize` → `/authorize`), or undefined outside it. */
export function relayPath(pathname: string): string | undefined {
  return pathname.startsWith(`${RELAY_PATH}/`) ? pathname.slice(RELAY_PATH.length) : undefined;
}

/**
 * The relay's configuration on the edge, or what is wrong with it (names and codes only: values
 * may be secrets). RELAY_PUBLIC_URL is the app's origin, which is also the relay's; the app's
 * callback on it is the allowed one unless RELAY_ALLOWED_CALLBACKS says otherwise, and the
 * consumer's callback URL, sent to Bitbucket as `redirect_uri`, is `<origin>/relay/callback`.
 */
export function edgeRelayConfig(env: EdgeEnv): { ok: true; config: RelayConfig } | { ok: false; problems: string } {
  const variables = stringsOnly(env);
  const origin = originOf(variables.RELAY_PUBLIC_URL);
  const derived = variables.RELAY_ALLOWED_CALLBACKS === undefined;
  const result = readRelayConfig({
    ...variables,
    RELAY_ALLOWED_CALLBACKS: derived && origin !== undefined ? `${origin}/oauth-callback` : variables.RELAY_ALLOWED_CALLBACKS,
  });
  const problems = result.ok ? [] : result.problems.map((p) => `${p.variable} ${p.code}`);
  if (origin === undefined) {
    // The allowed callback comes from it: name the variable to fix, not its consequence.
    const consequence = derived ? 'RELAY_ALLOWED_CALLBACKS MISSING' : undefined;
    const named = problems.some((problem) => problem.startsWith('RELAY_PUBLIC_URL '));
    return {
      ok: false,
      problems: [...(named ? [] : ['RELAY_PUBLIC_URL MISSING']), ...problems.filter((p) => p !== consequence)].join(', '),
    };
  }
  if (!result.ok) return { ok: false, problems: problems.join(', ') };
  return { ok: true, config: { ...result.config, callbackUrl: `${origin}${RELAY_PATH}/callback` } };
}

/** Creates the Worker's `fetch` handler; tests pass their own log, edge/worker.ts the console. */
export function createEdgeWorker(log: EdgeLog): { fetch(request: Request, env: EdgeEnv): Promise<Response> } {
  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      const path = relayPath(url.pathname);
      // wrangler.jsonc runs this Worker first only for /relay/*; what else reaches it (a path no
      // asset has) gets the assets' own answer, a 404 with the headers of `_headers`.
      if (path === undefined) return env.ASSETS.fetch(request);
      // The path set on a copy of the URL, not resolved against the origin: `/relay//elsewhere/x`
      // must stay a path of this origin (as a URL, `//elsewhere/x` is another host).
      const inner = new URL(url);
      inner.pathname = path;
      return withSiteHeaders(await answerRelay(new Request(inner, request), env, log));
    },
  };
}

async function answerRelay(request: Request, env: EdgeEnv, log: EdgeLog): Promise<Response> {
  // Read per request, as relay/worker.ts does: cheap, and nothing is kept between requests.
  const result = edgeRelayConfig(env);
  if (!result.ok) {
    log.error(`relay misconfigured: ${result.problems}`);
    return htmlPage(500, {
      title: 'Sign-in is not available',
      message: 'The sign-in relay is not configured correctly. Please try again later.',
      code: 'RELAY_MISCONFIGURED',
    });
  }
  return createRelay(result.config, { log: log.info })(request);
}

// `_headers` reaches only what the assets serve: the relay's answers get the site-wide headers
// here, under those the relay set itself (its own Content-Security-Policy, for one).
function withSiteHeaders(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(COMMON_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// Bindings (the assets, KV, …) share env with vars; only strings can be configuration.
function stringsOnly(env: EdgeEnv): Record<string, string> & RelayEnv {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') strings[name] = value;
  return strings;
}

// Only an http(s) URL has an origin to build on; readRelayConfig says what is wrong with anything else.
function originOf(text: string | undefined): string | undefined {
  try {
    const url = new URL(text?.trim() ?? '');
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
