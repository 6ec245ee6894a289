/**
 * The API part of the core: `get` and `list` on the Bitbucket REST API, with the credentials of a
 * sign-in made in `sign-in.ts`. With a relay, a token about to expire is renewed first, and a 401
 * is answered by one renewal and one more try; otherwise a 401 ends that session.
 */
import { ApiError, createClient, type Permission, type RetryNotice } from './client.js';
import { paginate, type Bounds } from './paginate.js';
import { authorizationHeader } from './session.js';
import { createSignIn, internalsOf } from './sign-in.js';
import type { AuthDeps, BitbucketSignIn } from './types.js';

/** How one API request is made. */
export interface RequestOptions {
  /** Cancels the request (and, for `list`, every request of the list). */
  signal?: AbortSignal | undefined;
  /** What the endpoint needs the credentials to be allowed: a 403 names it in `ApiError.needs`. */
  needs?: Permission | undefined;
  /** Told each time a request waits to try again (429, 5xx, network, offline). */
  onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/** Options of {@link BitbucketAuth.get}. */
export interface GetOptions<T> extends RequestOptions {
  /** Only these fields of the answer (Bitbucket's partial responses), e.g. `['display_name']`. */
  fields?: readonly string[] | undefined;
  /** Checks the answer and returns it typed; throw (e.g. with `bad(path)`) to refuse it. */
  check: (json: unknown, path: string) => T;
}

/** Options of {@link BitbucketAuth.list}. */
export interface ListOptions<T> extends RequestOptions {
  /** Only these fields of each value, e.g. `['name', 'links.html.href']`: the envelope's are added. */
  fields?: readonly string[] | undefined;
  /** Checks each value and returns it typed; throw (e.g. with `bad(path)`) to refuse the list. */
  check: (json: unknown, path: string) => T;
  /** Values per page: 10 to 100 (default 100, Bitbucket's largest). */
  pagelen?: number | undefined;
  /** How far the list may go whatever the API sends (default 1,000 pages, 100,000 values). */
  bounds?: Partial<Pick<Bounds, 'pagesPerList' | 'valuesPerList'>> | undefined;
}

/** The Bitbucket REST API with a session's credentials. */
export interface BitbucketApi {
  /** GETs one JSON resource (`/user`), checked by `options.check`. Throws an `ApiError`. */
  get<T>(path: string, options: GetOptions<T>): Promise<T>;
  /** GETs one JSON resource without a check: the answer is `unknown` until checked. */
  get(path: string, options?: RequestOptions & { fields?: readonly string[] | undefined }): Promise<unknown>;
  /**
   * Every value of a paginated endpoint, page after page (parallel when the total is known),
   * bounded. Ending the loop early (`break`) or `options.signal` stops the requests in flight. A
   * failure, or a bound reached (`PAGE_LIMIT`, `VALUE_LIMIT`), is thrown as an `ApiError`.
   */
  list<T>(path: string, options: ListOptions<T>): AsyncIterable<T>;
  list(path: string, options?: Omit<ListOptions<unknown>, 'check'>): AsyncIterable<unknown>;
}

/** The core: sign-in, callback, session, and the Bitbucket REST API with the session's credentials. */
export interface BitbucketAuth extends BitbucketSignIn, BitbucketApi {}

/**
 * The API part for a sign-in made by `createBitbucketSignIn`: `get` and `list` with its session's
 * credentials. For an app that loads it later than the sign-in (code splitting); otherwise
 * `createBitbucketAuth` has both.
 */
export function createBitbucketApi(signIn: BitbucketSignIn): BitbucketApi {
  const session = internalsOf(signIn);
  if (!session) throw new TypeError('bitbucket-browser-auth: createBitbucketApi needs what createBitbucketSignIn made.');
  const { deps, live, renewal, refused } = session;
  const client = createClient({
    apiUrl: deps.apiUrl,
    fetch: deps.fetch,
    offline: deps.offline,
    sleep: deps.sleep,
    authorization: (path) => {
      const credentials = live.store.credentials();
      if (!credentials) throw new ApiError('NO_SESSION', path);
      return authorizationHeader(credentials);
    },
  });

  async function get(path: string, options: Partial<GetOptions<unknown>> = {}, renewed = false): Promise<unknown> {
    const { fields, check, ...request } = options;
    const target = fields ? withQuery(path, { fields: fields.join(',') }) : path;
    await renewal?.ensureFresh();
    try {
      const json = await client.get(target, request);
      return check ? check(json, path.split('?')[0] ?? path) : json;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'UNAUTHORIZED')) throw error;
      // Refused: once, a fresh token from the relay and one more try; otherwise the session ends (onChange hears it).
      if (!renewed && (await renewal?.renew('refused')) === 'renewed') return get(path, options, true);
      refused(error);
      throw error;
    }
  }

  async function* list(path: string, options: Partial<ListOptions<unknown>> = {}): AsyncGenerator<unknown> {
    const { fields, check = (json: unknown) => json, pagelen = 100, bounds, signal, needs, onRetry } = options;
    const envelope = fields && ['next', 'size', 'page', 'pagelen', ...fields.map((field) => `values.${field}`)].join(',');
    const own = new AbortController();
    const pages: unknown[][] = [];
    let wake = () => {};
    const end: { done: boolean; error?: unknown } = { done: false };
    void paginate({
      client: { get: (url, request) => get(url, { ...request, onRetry }) },
      call: { path: withQuery(path, { pagelen: String(pagelen), fields: envelope }), needs, check },
      signal: signal ? AbortSignal.any([signal, own.signal]) : own.signal,
      bounds,
      onValues: (values) => {
        pages.push(values);
        wake();
      },
    })
      // A bound reached is said at the end, after every value before it.
      .then((stopped) => stopped && Promise.reject(new ApiError(stopped, path.split('?')[0] ?? path)))
      .catch((error: unknown) => (end.error = error))
      .finally(() => {
        end.done = true;
        wake();
      });
    try {
      for (;;) {
        const page = pages.shift();
        if (page) yield* page;
        else if (end.done) break;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
      if ('error' in end) throw end.error;
    } finally {
      // The loop ended early (`break`, a throw): what is still in flight is cancelled.
      own.abort();
    }
  }

  return { get: get as BitbucketApi['get'], list: list as BitbucketApi['list'] };
}

/** The whole core over `deps`: sign-in, callback, session, and the API with the session's credentials. */
export function createAuth(deps: AuthDeps): BitbucketAuth {
  const signIn = createSignIn(deps);
  return { ...signIn, ...createBitbucketApi(signIn) };
}

/** `path` with the query parameters that have a value added (or replaced). */
function withQuery(path: string, params: Record<string, string | null | undefined>): string {
  const [pathname = path, query] = path.split('?');
  const search = new URLSearchParams(query);
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `${pathname}?${text}` : pathname;
}
