/**
 * The relay's configuration, read from environment variables by one pure function so the Node
 * adapter, the Worker and the tests all share the same checks and messages.
 */

/** Everything the relay needs to run; built only by {@link readRelayConfig}. */
export interface RelayConfig {
  /** The OAuth consumer's Key (Bitbucket's name for the client_id). */
  readonly clientId: string;
  /** The OAuth consumer's Secret; only ever sent to the token endpoint. */
  readonly clientSecret: string;
  /** App callback URLs the relay may send a user back to, compared character for character. */
  readonly allowedCallbacks: readonly string[];
  /** Origins that may receive a Decap CMS sign-in by message (RELAY_ALLOWED_ORIGINS), when set: Decap's routes are served. */
  readonly allowedOrigins?: readonly string[];
  /** The key for signing the relay's own `state` (HMAC-SHA256). */
  readonly relaySecret: string;
  /** The Node adapter's port; 0 picks a free one. */
  readonly port: number;
  /** The Node adapter's listening address. */
  readonly host: string;
  /** Bitbucket's authorize endpoint (or the simulator's). */
  readonly authorizeUrl: string;
  /** Bitbucket's token endpoint (or the simulator's). */
  readonly tokenUrl: string;
  /** The relay's public origin (RELAY_PUBLIC_URL), when set: its cookies are `__Host-` and Secure when it is https. */
  readonly publicOrigin?: string;
  /** The relay's own `/callback` URL, when RELAY_PUBLIC_URL is set; sent as `redirect_uri`. */
  readonly callbackUrl?: string;
  /** How long a session may go unused before its cookie expires (RELAY_SESSION_LIFETIME), in seconds. */
  readonly sessionLifetimeSeconds: number;
}

/** Stable codes for configuration problems; tests and tooling compare these, not messages. */
export type ConfigProblemCode =
  'MISSING' | 'TOO_SHORT' | 'TOO_UNIFORM' | 'BAD_URL' | 'NOT_HTTPS' | 'NOT_CANONICAL' | 'BAD_PORT' | 'BAD_LIFETIME';

/** One thing wrong with one environment variable. The message never contains a secret. */
export interface ConfigProblem {
  readonly variable: string;
  readonly code: ConfigProblemCode;
  readonly message: string;
}

/** The outcome of {@link readRelayConfig}: a config, or every problem found (not just the first). */
export type ReadRelayConfigResult =
  { readonly ok: true; readonly config: RelayConfig } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Environment variables as `process.env` or a Worker's `env` hand them over. */
export type RelayEnv = Readonly<Record<string, string | undefined>>;

/** The shortest RELAY_SECRET accepted: 32 characters of a random string is ample for HMAC. */
export const MIN_RELAY_SECRET_LENGTH = 32;

/**
 * The fewest distinct characters a RELAY_SECRET may have. Length alone lets `aaaa…` or a word
 * repeated through; 32 random base64 characters have about 25 distinct ones.
 */
export const MIN_RELAY_SECRET_DISTINCT = 16;

const GENERATE_SECRET =
  "generate one with: openssl rand -base64 32 (or: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\")";

const DEFAULT_AUTHORIZE_URL = 'https://bitbucket.org/site/oauth2/authorize';
const DEFAULT_TOKEN_URL = 'https://bitbucket.org/site/oauth2/access_token';
const DEFAULT_PORT = 3001;
/** The shortest RELAY_SESSION_LIFETIME accepted: a session must outlive at least one renewal. */
export const MIN_SESSION_LIFETIME_SECONDS = 300;
/** Bitbucket's refresh tokens expire after 3 months unused: a session cannot outlive its refresh token. */
export const MAX_SESSION_LIFETIME_SECONDS = 90 * 24 * 60 * 60;
const DEFAULT_HOST = '127.0.0.1';

/** Host names whose traffic never leaves the machine: the only ones plain http is accepted for. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a listening address (RELAY_HOST) that only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * True for a checked callback off this machine: the address of a deployed site. It is https, since
 * `checkUrl` refuses plain http anywhere but loopback.
 */
function isDeployedUrl(text: string): boolean {
  return !LOOPBACK_HOSTS.has(new URL(text).hostname);
}

/** Reads and checks the relay's environment variables without side effects. */
export function readRelayConfig(env: RelayEnv): ReadRelayConfigResult {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, code: ConfigProblemCode, message: string): void => {
    problems.push({ variable, code, message: `${variable} ${message}` });
  };

  const required = (variable: string): string => {
    const value = read(env, variable);
    if (value === undefined) problem(variable, 'MISSING', 'is not set.');
    return value ?? '';
  };

  const clientId = required('BITBUCKET_CLIENT_ID');
  const clientSecret = required('BITBUCKET_CLIENT_SECRET');

  const relaySecret = required('RELAY_SECRET');
  const distinct = new Set(relaySecret).size;
  if (relaySecret !== '' && relaySecret.length < MIN_RELAY_SECRET_LENGTH) {
    problem('RELAY_SECRET', 'TOO_SHORT', `must be at least ${MIN_RELAY_SECRET_LENGTH} characters; ${GENERATE_SECRET}.`);
  } else if (relaySecret !== '' && distinct < MIN_RELAY_SECRET_DISTINCT) {
    // The count, never the value: the message goes to a terminal or a platform log.
    problem(
      'RELAY_SECRET',
      'TOO_UNIFORM',
      `has only ${distinct} distinct characters (at least ${MIN_RELAY_SECRET_DISTINCT} needed): it does not look random; ${GENERATE_SECRET}.`,
    );
  }

  // Requests are compared character for character, so each list must hold the exact form a browser
  // sends; otherwise a harmless difference (a missing "/") would reject every sign-in.
  const urlList = (variable: string, text: string, canonical: (url: URL) => string): string[] => {
    const entries: string[] = [];
    for (const entry of text.split(',').map((item) => item.trim())) {
      if (entry === '') continue;
      const url = checkUrl(entry, variable, problem);
      if (url === undefined) continue;
      if (canonical(url) !== entry) {
        problem(variable, 'NOT_CANONICAL', `entry "${entry}" must be written as "${canonical(url)}".`);
        continue;
      }
      entries.push(entry);
    }
    // A list of separators only (" , "): say so, unless the list (unset) or its entries were already reported.
    if (entries.length === 0 && text !== '' && problems.every((p) => p.variable !== variable))
      problem(variable, 'MISSING', 'lists no URL.');
    return entries;
  };

  // Decap CMS's sites (relay/decap-routes.ts): a token goes by message to exactly these origins.
  const allowedOrigins = urlList('RELAY_ALLOWED_ORIGINS', read(env, 'RELAY_ALLOWED_ORIGINS') ?? '', (url) => url.origin);
  // A relay for Decap CMS alone needs no app callback.
  const callbackList = allowedOrigins.length > 0 ? (read(env, 'RELAY_ALLOWED_CALLBACKS') ?? '') : required('RELAY_ALLOWED_CALLBACKS');
  const allowedCallbacks = urlList('RELAY_ALLOWED_CALLBACKS', callbackList, (url) => url.href);

  const authorizeUrl = checkUrl(read(env, 'BITBUCKET_AUTHORIZE_URL') ?? DEFAULT_AUTHORIZE_URL, 'BITBUCKET_AUTHORIZE_URL', problem);
  const tokenUrl = checkUrl(read(env, 'BITBUCKET_TOKEN_URL') ?? DEFAULT_TOKEN_URL, 'BITBUCKET_TOKEN_URL', problem);

  let publicOrigin: string | undefined;
  const publicUrlText = read(env, 'RELAY_PUBLIC_URL');
  if (publicUrlText !== undefined) {
    const publicUrl = checkUrl(publicUrlText, 'RELAY_PUBLIC_URL', problem);
    // The relay answers at fixed paths (/authorize, /callback), so only an origin makes sense.
    if (publicUrl !== undefined && (publicUrl.pathname !== '/' || publicUrl.search !== '')) {
      problem('RELAY_PUBLIC_URL', 'BAD_URL', `must be an origin only, such as "${publicUrl.origin}".`);
    } else if (publicUrl !== undefined) {
      publicOrigin = publicUrl.origin;
    }
  }
  const host = read(env, 'RELAY_HOST') ?? DEFAULT_HOST;
  // Reachable from elsewhere, the relay is behind a proxy or a platform whose scheme it cannot see
  // (and must not guess from forwarded headers): without its public URL, its cookies would be
  // neither Secure nor __Host-, and a sibling subdomain could plant one.
  if (publicUrlText === undefined && !isLoopbackAddress(host)) {
    problem(
      'RELAY_PUBLIC_URL',
      'MISSING',
      `is not set, but RELAY_HOST (${host}) is not a loopback address: set it to the relay's public origin, such as https://relay.example.com, so that its cookies are Secure and __Host- whatever the proxy in front of it speaks.`,
    );
  }

  // On loopback the relay takes its scheme from the URL it is reached at; but an https callback on
  // another host means the app is deployed, and so is this relay: behind a proxy that terminates
  // TLS and forwards to loopback, where it would see plain http and set cookies that are neither
  // Secure nor __Host-. Its public URL must say so.
  const deployedCallback = allowedCallbacks.find((callback) => isDeployedUrl(callback));
  if (publicUrlText === undefined && isLoopbackAddress(host) && deployedCallback !== undefined) {
    problem(
      'RELAY_PUBLIC_URL',
      'MISSING',
      `is not set, but RELAY_ALLOWED_CALLBACKS names ${deployedCallback}, an https address off this machine, so this relay is reached through a proxy that terminates TLS: set RELAY_PUBLIC_URL to the relay's public origin, such as https://relay.example.com, so that its cookies are Secure and __Host-.`,
    );
  }

  let sessionLifetimeSeconds = MAX_SESSION_LIFETIME_SECONDS;
  const lifetimeText = read(env, 'RELAY_SESSION_LIFETIME');
  if (lifetimeText !== undefined) {
    sessionLifetimeSeconds = Number(lifetimeText);
    if (
      !/^\d{1,8}$/.test(lifetimeText) ||
      sessionLifetimeSeconds < MIN_SESSION_LIFETIME_SECONDS ||
      sessionLifetimeSeconds > MAX_SESSION_LIFETIME_SECONDS
    ) {
      problem(
        'RELAY_SESSION_LIFETIME',
        'BAD_LIFETIME',
        `must be a whole number of seconds from ${MIN_SESSION_LIFETIME_SECONDS} to ${MAX_SESSION_LIFETIME_SECONDS} (90 days, the life of an unused Bitbucket refresh token).`,
      );
    }
  }

  let port = DEFAULT_PORT;
  const portText = read(env, 'PORT');
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port > 65535) problem('PORT', 'BAD_PORT', 'must be a whole number from 0 to 65535.');
  }

  if (problems.length > 0 || authorizeUrl === undefined || tokenUrl === undefined) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    config: {
      clientId,
      clientSecret,
      allowedCallbacks,
      ...(allowedOrigins.length === 0 ? {} : { allowedOrigins }),
      relaySecret,
      port,
      host,
      authorizeUrl: authorizeUrl.href,
      tokenUrl: tokenUrl.href,
      ...(publicOrigin === undefined ? {} : { publicOrigin, callbackUrl: `${publicOrigin}/callback` }),
      sessionLifetimeSeconds,
    },
  };
}

/** Formats problems as the multi-line message the Node adapter prints before exiting. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.message}`);
  return ['The relay cannot start; fix its environment variables (see docs/relay.md):', ...lines].join('\n');
}

// Unset and blank count as the same: a blank line in a .env file should not mean "empty secret".
function read(env: RelayEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === '' ? undefined : value;
}

function checkUrl(
  text: string,
  variable: string,
  problem: (variable: string, code: ConfigProblemCode, message: string) => void,
): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problem(variable, 'BAD_URL', `value "${text}" is not an absolute URL.`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problem(variable, 'BAD_URL', `value "${text}" must start with https://.`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    problem(variable, 'BAD_URL', `value "${text}" must not contain credentials or a #fragment.`);
    return undefined;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    problem(variable, 'NOT_HTTPS', `value "${text}" must use https:// (http:// is allowed only for localhost and 127.0.0.1).`);
    return undefined;
  }
  return url;
}
