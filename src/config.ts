/** The app's configuration, read once from Vite's build-time environment. */
import { DEFAULT_API_URL, DEFAULT_AUTHORIZE_URL, isLoopback } from 'bitbucket-browser-auth';

export interface AppConfig {
  /** The OAuth consumer's Key. Empty when not configured: only API-token sign-in can work then. */
  clientId: string;
  authorizeUrl: URL;
  /** The API base, always without a trailing slash. */
  apiUrl: string;
  /**
   * The token relay on the app's site (`VITE_BITBUCKET_RELAY_URL`), without a trailing slash, or
   * null: with one, sessions are renewed through its `/token` and sign-in goes to its `/authorize`.
   */
  relayUrl: string | null;
  /** True when the dev server runs the bundled Bitbucket simulator (demo mode). */
  demo: boolean;
  /** Whether the landing page offers sign-in with an email and an Atlassian API token. */
  apiTokenSignIn: boolean;
}

export type ConfigProblemCode = 'BAD_AUTHORIZE_URL' | 'BAD_API_URL' | 'BAD_RELAY_URL';

export interface ConfigProblem {
  code: ConfigProblemCode;
  variable: string;
  value?: string;
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: ConfigProblem[] };

/** The subset of `import.meta.env` this app reads. */
export interface AppEnv {
  VITE_BITBUCKET_CLIENT_ID?: string;
  VITE_BITBUCKET_AUTHORIZE_URL?: string;
  VITE_BITBUCKET_API_URL?: string;
  VITE_BITBUCKET_RELAY_URL?: string;
  VITE_DEMO?: string;
}

/**
 * Reads the configuration. A malformed URL is a problem that stops the app; a missing client id
 * (`clientId: ''`) the page explains, while API-token sign-in (where offered) still works.
 */
export function readConfig(env: AppEnv, hostname: string): ConfigResult {
  const problems: ConfigProblem[] = [];
  const clientId = (env.VITE_BITBUCKET_CLIENT_ID ?? '').trim();
  const relayText = env.VITE_BITBUCKET_RELAY_URL?.trim() ?? '';
  const relayUrl = relayText ? parseHttpUrl(relayText) : null;
  // With a relay, sign-in goes to its /authorize unless said otherwise.
  const relayAuthorize = relayUrl && `${relayUrl.href.replace(/\/+$/, '')}/authorize`;
  const authorizeText = urlSetting(env.VITE_BITBUCKET_AUTHORIZE_URL, relayAuthorize || DEFAULT_AUTHORIZE_URL);
  const apiText = urlSetting(env.VITE_BITBUCKET_API_URL, DEFAULT_API_URL);
  const authorizeUrl = parseHttpUrl(authorizeText);
  const apiUrl = parseHttpUrl(apiText);

  if (relayText && !relayUrl) problems.push({ code: 'BAD_RELAY_URL', variable: 'VITE_BITBUCKET_RELAY_URL', value: relayText });
  if (!authorizeUrl) problems.push({ code: 'BAD_AUTHORIZE_URL', variable: 'VITE_BITBUCKET_AUTHORIZE_URL', value: authorizeText });
  if (!apiUrl) problems.push({ code: 'BAD_API_URL', variable: 'VITE_BITBUCKET_API_URL', value: apiText });
  if (!authorizeUrl || !apiUrl || (relayText && !relayUrl)) return { ok: false, problems };

  return {
    ok: true,
    config: {
      clientId,
      authorizeUrl,
      apiUrl: apiUrl.href.replace(/\/+$/, ''),
      relayUrl: relayUrl && relayUrl.href.replace(/\/+$/, ''),
      demo: env.VITE_DEMO === 'true',
      // An API token is a long-lived secret: offered only to someone running the app on their own machine.
      apiTokenSignIn: isLoopback(hostname),
    },
  };
}

// A stray space from a .env file is not a different value, and a blank one means the default.
function urlSetting(value: string | undefined, fallback: string): string {
  return value?.trim() || fallback;
}

function parseHttpUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    // Plain http only to this machine (the simulator); anywhere else the token would travel in clear.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return null;
    if (url.username || url.password || url.hash) return null;
    return url;
  } catch {
    return null;
  }
}

/** The callback URL for an app served at `origin` under Vite's `base` (`/`, `/starter/`: always with both slashes). */
export function callbackUrl(origin: string, base: string): string {
  return `${origin}${base}oauth-callback`;
}
