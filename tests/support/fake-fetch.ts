/** A fake `fetch` for unit and DOM tests: routes by path, records every request. */
import { ApiError, createClient } from '../../packages/bitbucket-browser-auth/src/client.ts';

/**
 * One request as the client made it: the URL and the whole `RequestInit`. An option the client
 * left out is `undefined` here (fetch then uses its default), so a test can tell "not set" apart.
 */
export interface RecordedRequest {
  url: URL;
  /** `init.method`, or `GET`, fetch's default. */
  method: string;
  headers: Headers;
  redirect: RequestRedirect | undefined;
  referrerPolicy: ReferrerPolicy | undefined;
  cache: RequestCache | undefined;
  credentials: RequestCredentials | undefined;
  mode: RequestMode | undefined;
  body: BodyInit | null | undefined;
  /** The request's abort signal, to see whether the client cancelled it. */
  signal: AbortSignal | null;
  /** The names of every option in the `RequestInit`, to see that nothing else was set. */
  options: string[];
}

export type Route = (url: URL, request: RecordedRequest) => Response | Promise<Response>;

/** JSON response helper. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
}

/** Bitbucket's error body. */
export function apiError(status: number, message: string): Response {
  return json({ type: 'error', error: { message } }, status);
}

/**
 * Makes a fake fetch. `route` gets each request's URL; answer with a Response or throw a
 * TypeError to act as a dropped connection.
 */
export function fakeFetch(route: Route) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A Request would carry options this fake does not read: the client passes a URL and an init.
    if (input instanceof Request) throw new TypeError('fakeFetch records a URL and a RequestInit, not a Request');
    const url = new URL(String(input));
    const recorded: RecordedRequest = {
      url,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      redirect: init?.redirect,
      referrerPolicy: init?.referrerPolicy,
      cache: init?.cache,
      credentials: init?.credentials,
      mode: init?.mode,
      body: init?.body,
      signal: init?.signal ?? null,
      options: Object.keys(init ?? {}).sort(),
    };
    requests.push(recorded);
    if (init?.signal?.aborted) throw new DOMException('Aborted', 'AbortError');
    return route(url, recorded);
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export interface FakeRepo {
  uuid: string;
  name: string;
  full_name: string;
  is_private: boolean;
  language: string;
  description: string;
  updated_on: string;
  links: { html: { href: string } };
  workspace: { slug: string; name: string };
}

/** A repository as Bitbucket sends it (the fields the app asks for). */
export function repo(workspace: string, n: number, overrides: Partial<FakeRepo> = {}): FakeRepo {
  const day = String(1 + (n % 28)).padStart(2, '0');
  return {
    uuid: `{${workspace}-${n}}`,
    name: `${workspace} repo ${n}`,
    full_name: `${workspace}/repo-${n}`,
    is_private: n % 2 === 0,
    language: ['python', 'typescript', 'go', ''][n % 4] ?? '',
    description: n % 3 === 0 ? '' : `Description of repository ${n}`,
    updated_on: `2026-10-${day}T10:00:00.000000+00:00`,
    links: { html: { href: `https://bitbucket.org/${workspace}/repo-${n}` } },
    workspace: { slug: workspace, name: `${workspace} team` },
    ...overrides,
  };
}

/** Answers instead of the fake API when it returns a Response; undefined lets the request through. */
export type Intercept = (url: URL, request: RecordedRequest) => Response | undefined | Promise<Response | undefined>;

export const API = 'https://api.bitbucket.org/2.0';

/**
 * A fake Bitbucket API with paginated workspaces. `omitSize` leaves out size/page like some
 * endpoints do; `cursor` makes `next` links carry an opaque cursor instead of a page number.
 */
export function fakeBitbucket(
  workspaces: Record<string, FakeRepo[]>,
  options: { omitSize?: boolean; cursor?: boolean; user?: unknown; intercept?: Intercept } = {},
) {
  return fakeFetch(async (url, request) => {
    const intercepted = await options.intercept?.(url, request);
    if (intercepted) return intercepted;
    const path = url.pathname.replace(/^\/2\.0/, '');
    if (path === '/user') return json(options.user ?? { type: 'user', display_name: 'Ada Lovelace', nickname: 'ada' });
    if (path === '/user/workspaces') {
      return json({
        values: Object.keys(workspaces).map((slug) => ({ type: 'workspace_access', workspace: { type: 'workspace_base', slug } })),
      });
    }
    const match = /^\/repositories\/([^/]+)$/.exec(path);
    const repos = match ? workspaces[decodeURIComponent(match[1] ?? '')] : undefined;
    if (!repos) return apiError(404, 'Not found');
    const pagelen = Math.min(100, Math.max(10, Number(url.searchParams.get('pagelen') ?? 10)));
    const page = options.cursor ? Number(url.searchParams.get('cursor') ?? 1) : Number(url.searchParams.get('page') ?? 1);
    const values = repos.slice((page - 1) * pagelen, page * pagelen);
    const body: Record<string, unknown> = { pagelen, values };
    if (!options.omitSize) Object.assign(body, { size: repos.length, page });
    if (page * pagelen < repos.length) {
      const next = new URL(url);
      next.searchParams.delete('page');
      next.searchParams.delete('cursor');
      next.searchParams.set(options.cursor ? 'cursor' : 'page', String(page + 1));
      body.next = next.href;
    }
    return json(body);
  });
}

/** A promise to hold a fake answer back until the test lets it go. */
export function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Resolves when `signal` aborts, then throws as fetch does. */
export function abortedBy(signal: AbortSignal | null): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError'))));
}

/** The `ApiError` a promise rejects with; anything else (or a success) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw error;
  return error;
}

/** A client of `fetch` that never waits to retry (no sleeps, jitter fixed), for the loaders' tests. */
export function quickClient(fetch: typeof globalThis.fetch) {
  return createClient({ apiUrl: API, authorization: () => 'Bearer t', fetch, sleep: async () => {}, random: () => 0.5 });
}
