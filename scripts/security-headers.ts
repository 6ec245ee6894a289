/**
 * The Content-Security-Policy and the other security headers, made from the configured API URL.
 * Used by the Vite build (meta tags and `_headers`/`vercel.json` in dist/) and by the tests.
 */

/** Hosts Bitbucket serves avatars from (bitbucket-facts §6). */
export const AVATAR_HOSTS = [
  'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net',
  'https://secure.gravatar.com',
  'https://bytebucket.org',
  'https://bitbucket.org',
  'https://api.bitbucket.org',
  'https://avatar-cdn.atlassian.com',
];

export type PageKind = 'app' | 'callback';

/**
 * Where the app page may connect: the API, and a relay on another origin of the app's site when
 * there is one (renewals go to its /token). A string is the API URL alone.
 */
export type ConnectTargets = string | readonly string[];

/**
 * The policy for a page. The app page may connect to its own origin, the API's and the relay's
 * only; the callback page connects nowhere. `frame-ancestors` is added only for headers (browsers
 * ignore it in a meta tag).
 */
export function contentSecurityPolicy(apiUrl: ConnectTargets, page: PageKind, asHeader = false): string {
  const origins = [...new Set((typeof apiUrl === 'string' ? [apiUrl] : apiUrl).map((url) => new URL(url).origin))].join(' ');
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // The callback page shows nothing from anyone else (bitbucket-facts §7.2).
    `img-src 'self'${page === 'app' ? ` ${AVATAR_HOSTS.join(' ')}` : ''}`,
    // 'self' lets tools such as Lighthouse read /robots.txt from the page; the API origin is the only other.
    `connect-src ${page === 'app' ? `'self' ${origins}` : "'none'"}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ];
  if (asHeader) directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}

/** The headers every page gets, besides the policy. */
export const COMMON_HEADERS: Record<string, string> = {
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  // Header files are for real hosts, always https: browsers ignore this header on plain http.
  'Strict-Transport-Security': 'max-age=31536000',
};

/** One rule of a header file: the headers for paths matching `path`, and those it takes back from more general rules. */
export interface HeaderRule {
  readonly path: string;
  readonly headers: Record<string, string>;
  /**
   * Names set by a more general rule that this path must not get (`! Name` in `_headers`). A host
   * that applies every matching rule (Cloudflare, Netlify) would otherwise send both values, joined.
   */
  readonly detach?: readonly string[];
}

/** How long a browser may keep a file whose name carries its content's hash (Vite's assets/): a year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** Header rules by path pattern, most general first, for an app served under `base` (Vite's). */
export function headerRules(apiUrl: ConnectTargets, base = '/'): HeaderRule[] {
  const root = base.replace(/\/?$/, '/');
  return [
    {
      path: '/*',
      headers: {
        ...COMMON_HEADERS,
        'Content-Security-Policy': contentSecurityPolicy(apiUrl, 'app', true),
        // Pages and files with fixed names: asked again each time (a 304 when unchanged), so a deploy shows at once.
        'Cache-Control': 'no-cache',
      },
    },
    // Hashed names change with their content: kept for a year, never asked again.
    { path: `${root}assets/*`, detach: ['Cache-Control'], headers: { 'Cache-Control': IMMUTABLE_CACHE } },
    {
      path: `${root}oauth-callback*`,
      // Exactly one policy on the callback page: its own, not the app's as well; and never stored.
      detach: ['Content-Security-Policy', 'Cache-Control'],
      headers: { 'Content-Security-Policy': contentSecurityPolicy(apiUrl, 'callback', true), 'Cache-Control': 'no-store' },
    },
    // A file without an extension gets no type from a static host (Workers static assets send none).
    { path: `${root}healthcheck`, headers: { 'Content-Type': 'application/json' } },
  ];
}

/** A `_headers` file for Cloudflare (Workers static assets, Pages) and Netlify. */
export function netlifyHeaders(apiUrl: ConnectTargets, base = '/'): string {
  return headerRules(apiUrl, base)
    .map(({ path, headers, detach = [] }) =>
      [path, ...detach.map((name) => `  ! ${name}`), ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}

/** A `vercel.json` with the same headers. */
export function vercelJson(apiUrl: ConnectTargets, base = '/'): string {
  const entries = (headers: Record<string, string>) => Object.entries(headers).map(([key, value]) => ({ key, value }));
  const config = {
    cleanUrls: true,
    // Vercel applies every matching rule in order, and a later rule's value replaces an earlier
    // one's: the callback's policy replaces the app's, with nothing to detach.
    headers: headerRules(apiUrl, base).map(({ path, headers }) => ({ source: path.replace(/\*$/, '(.*)'), headers: entries(headers) })),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
