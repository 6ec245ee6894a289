/**
 * The control endpoint, `/__sim/…` on the API server: lets tests in another process (a browser
 * test, say) reconfigure the simulator, read its request log and manage tokens.
 * It exists only in the simulator; Bitbucket has nothing like it.
 */
import { apiError, empty, header, json } from './http.ts';
import type { Handler } from './http.ts';
import { FIXED_AT_START } from './options.ts';
import type { SimPatch } from './options.ts';
import { configureState, issueTestToken, resetState } from './state.ts';
import type { SimState } from './state.ts';

/** The prefix of every control path. */
export const CONTROL_PREFIX = '/__sim/';

/** True for a path the control endpoint answers. */
export function isControlPath(path: string): boolean {
  return path.startsWith(CONTROL_PREFIX);
}

/**
 * Creates the control endpoint's handler. It answers no cross-origin request: its answers carry
 * no CORS headers (so another site's script cannot read the log or a token), and a request whose
 * `Origin` is not one of `appOrigins` is refused before it acts (a form or `no-cors` POST needs no
 * preflight, and would otherwise change the simulator unseen). Preflights are refused too.
 */
export function createControlHandler(state: SimState): Handler {
  return (request) => {
    const origin = header(request, 'origin');
    if (
      request.method === 'OPTIONS' ||
      (origin !== undefined && !state.options.appOrigins.includes(origin)) ||
      !knownHost(header(request, 'host'), state.options.appOrigins)
    ) {
      return apiError(403, 'Forbidden', 'The simulator control endpoint answers only its tools and the app’s own origin.');
    }
    const action = `${request.method} ${request.url.pathname.slice(CONTROL_PREFIX.length)}`;
    const body = readJson(request.body);
    if (!body.ok) return apiError(400, 'Invalid JSON body', body.message);

    switch (action) {
      case 'POST configure': {
        const parsed = parsePatch(body.value);
        if (!parsed.ok) return apiError(400, 'Invalid configuration', parsed.message);
        try {
          configureState(state, parsed.patch);
        } catch (error) {
          return apiError(400, 'Invalid configuration', error instanceof Error ? error.message : String(error));
        }
        return empty(204);
      }
      case 'POST reset':
        resetState(state);
        return empty(204);
      case 'GET requests':
        return json(200, state.log);
      case 'DELETE requests':
        state.log = [];
        return empty(204);
      case 'POST tokens': {
        const lifetimeSeconds = field(body.value, 'lifetimeSeconds');
        const scopes = field(body.value, 'scopes');
        if (lifetimeSeconds !== undefined && !(typeof lifetimeSeconds === 'number' && lifetimeSeconds >= 0)) {
          return apiError(400, 'Invalid request', 'lifetimeSeconds must be a number of seconds.');
        }
        if (scopes !== undefined && typeof scopes !== 'string') {
          return apiError(400, 'Invalid request', 'scopes must be a space-separated string.');
        }
        const options: { lifetimeSeconds?: number; scopes?: string } = {};
        if (lifetimeSeconds !== undefined) options.lifetimeSeconds = lifetimeSeconds;
        if (scopes !== undefined) options.scopes = scopes;
        return json(200, { access_token: issueTestToken(state, options) });
      }
      case 'POST revoke': {
        const token = field(body.value, 'token');
        if (typeof token !== 'string') return apiError(400, 'Invalid request', 'Send {"token": "…"}.');
        state.tokens.revoke(token);
        return empty(204);
      }
      case 'POST expire-all':
        state.tokens.expireAll(state.options.now());
        return empty(204);
      default:
        return apiError(404, 'Unknown control action', `${action} is not a simulator control action.`);
    }
  };
}

function readJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'not JSON' };
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';
const isCount: Check = (value) => Number.isInteger(value) && (value as number) >= 0;
const isDuration: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value);
const listOf =
  (shape: Record<string, Check>, optional: string[] = []): Check =>
  (value) =>
    Array.isArray(value) &&
    value.every(
      (item: unknown) =>
        typeof item === 'object' &&
        item !== null &&
        Object.keys(item).every((key) => key in shape) &&
        Object.entries(shape).every(([key, check]) => {
          const member = (item as Record<string, unknown>)[key];
          return member === undefined ? optional.includes(key) : check(member);
        }),
    );

// What JSON may change, and how each value must look. The fault rules' own details are
// checked when they are compiled.
const PATCH_SHAPE: Record<string, Check> = {
  seed: Number.isInteger,
  workspaces: listOf({ slug: (value) => typeof value === 'string' && value !== '', name: isString, repositories: isCount }),
  hostile: isBoolean,
  clients: listOf({ clientId: isString, name: isString, callbackUrl: isString, secret: isString }, ['secret']),
  tokenLifetimeSeconds: isDuration,
  expiredTokenMessage: oneOf('classic', 'newer'),
  codeLifetimeSeconds: isDuration,
  scopeParam: oneOf('scopes', 'scope'),
  implicitGrant: isBoolean,
  omitSize: isBoolean,
  pagination: oneOf('page', 'cursor'),
  latencyMs: isDuration,
  apiTokens: listOf({ email: isString, token: isString, scopes: (value) => Array.isArray(value) && value.every(isString) }, ['scopes']),
  bitbucketToday: isBoolean,
  refreshTokenLifetimeSeconds: isDuration,
  faults: (value) => Array.isArray(value) && value.every((rule: unknown) => typeof rule === 'object' && rule !== null),
};

/** Checks a JSON configuration patch; ports, host and the clock cannot be set this way. */
export function parsePatch(value: unknown): { ok: true; patch: SimPatch } | { ok: false; message: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'The body must be a JSON object of options.' };
  }
  for (const [key, member] of Object.entries(value)) {
    const check = PATCH_SHAPE[key];
    if (check === undefined) {
      const fixed = [...FIXED_AT_START, 'now'].includes(key);
      return { ok: false, message: fixed ? `${key} cannot be changed at run time.` : `Unknown option: ${key}.` };
    }
    if (!check(member)) return { ok: false, message: `Invalid value for ${key}.` };
  }
  // Every key was checked against its shape just above.
  return { ok: true, patch: value as SimPatch };
}

/**
 * True when the request was addressed to this machine by a name it knows: a loopback name, or the
 * host of one of the app's origins. A page whose own name was pointed at 127.0.0.1 (DNS
 * rebinding) is same-origin with the simulator, sends no `Origin` on a GET, but names itself in `Host`.
 */
function knownHost(host: string | undefined, appOrigins: readonly string[]): boolean {
  if (host === undefined) return true;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const known = new Set(['localhost', '127.0.0.1', '[::1]']);
  for (const origin of appOrigins) {
    try {
      known.add(new URL(origin).hostname);
    } catch {
      // Not a URL: it names no host.
    }
  }
  return known.has(hostname);
}
