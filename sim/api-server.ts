/**
 * The API server (the api.bitbucket.org role), base `/2.0`: the endpoints this project and Decap
 * CMS use, the ones removed under CHANGE-2770, pagination, `fields`, `sort`, `q` and CORS.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/
 */
import { authenticate, missingScope } from './api-auth.ts';
import { branchList, branchNamed, commitList, contentContext, sourceAt } from './content-answers.ts';
import type { ContentContext } from './content-answers.ts';
import { answerPreflight } from './cors.ts';
import type { SimWorkspaceData } from './data.ts';
import { CHANGE_2770_BODY } from './faults.ts';
import { applyFields } from './fields.ts';
import { apiError, json } from './http.ts';
import type { Handler, RouteResult, SimRequest, SimResponse } from './http.ts';
import { listPage } from './listing.ts';
import type { SimState } from './state.ts';
import type { BitbucketRepository, BitbucketWorkspaceAccess } from './wire-types.ts';

interface Route {
  pattern: RegExp;
  /** The OAuth consumer scope the endpoint needs. */
  scope: 'account' | 'repository';
  /** The Atlassian scope an API token needs for it. */
  tokenScope: 'read:user:bitbucket' | 'read:workspace:bitbucket' | 'read:repository:bitbucket';
  resolve: (state: SimState, match: RegExpExecArray, query: URLSearchParams) => RouteResult;
}

/** A route under one repository: finds it (or answers 404), then answers with `answer`. */
function inRepository(
  answer: (state: SimState, repository: BitbucketRepository, match: RegExpExecArray, query: URLSearchParams) => RouteResult,
): Route['resolve'] {
  return (state, match, query) => {
    const found = findRepository(state, match[1] ?? '', match[2] ?? '');
    return 'response' in found ? { kind: 'response', response: found.response } : answer(state, found, match, query);
  };
}

/** A repository route that answers about its contents. */
function aboutContents(answer: (context: ContentContext, match: RegExpExecArray, query: URLSearchParams) => RouteResult): Route['resolve'] {
  return inRepository((state, repository, match, query) => answer(contentContext(state.data, repository, state.apiOrigin), match, query));
}

/** Endpoints removed under CHANGE-2770 (April 2026): they answer 410. */
export const REMOVED_ENDPOINTS: readonly RegExp[] = [
  /^\/2\.0\/repositories$/,
  /^\/2\.0\/workspaces$/,
  /^\/2\.0\/user\/permissions\/workspaces$/,
  /^\/2\.0\/user\/permissions\/repositories$/,
];

const ROUTES: readonly Route[] = [
  {
    pattern: /^\/2\.0\/user$/,
    scope: 'account',
    tokenScope: 'read:user:bitbucket',
    resolve: (state) => ({ kind: 'object', body: state.data.user }),
  },
  {
    pattern: /^\/2\.0\/user\/workspaces$/,
    scope: 'account',
    tokenScope: 'read:workspace:bitbucket',
    resolve: (state) => ({ kind: 'list', items: state.data.workspaces.map(toWorkspaceAccess) }),
  },
  {
    pattern: /^\/2\.0\/workspaces\/([^/]+)$/,
    scope: 'account',
    tokenScope: 'read:workspace:bitbucket',
    resolve: (state, match) => {
      const found = findWorkspace(state, match[1] ?? '');
      return 'response' in found ? { kind: 'response', response: found.response } : { kind: 'object', body: found.workspace };
    },
  },
  {
    pattern: /^\/2\.0\/repositories\/([^/]+)$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: (state, match) => {
      const found = findWorkspace(state, match[1] ?? '');
      return 'response' in found ? { kind: 'response', response: found.response } : { kind: 'list', items: found.repositories };
    },
  },
  {
    pattern: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: inRepository((_, repository) => ({ kind: 'object', body: repository })),
  },
  {
    pattern: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/refs\/branches$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: aboutContents((context) => branchList(context)),
  },
  {
    // A branch name may hold slashes, sent as they are or as %2F.
    pattern: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/refs\/branches\/(.+)$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: aboutContents((context, match) => branchNamed(context, decodeSegment(match[3] ?? ''))),
  },
  {
    // The root is `src/{commit}/`, whose trailing slash the handler has already taken off.
    pattern: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/src\/([^/]+)(?:\/(.*))?$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: aboutContents((context, match, query) =>
      sourceAt(context, decodeSegment(match[3] ?? ''), (match[4] ?? '').split('/').map(decodeSegment).join('/'), query),
    ),
  },
  {
    pattern: /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commits$/,
    scope: 'repository',
    tokenScope: 'read:repository:bitbucket',
    resolve: aboutContents((context, _, query) => commitList(context, query)),
  },
];

/** Creates the API server's handler (CORS headers are added by the caller, on every answer). */
export function createApiHandler(state: SimState): Handler {
  return (request) => {
    if (request.method === 'OPTIONS') return answerPreflight(request);
    // One trailing slash is accepted, as Bitbucket does.
    const path = request.url.pathname.length > 1 ? request.url.pathname.replace(/\/$/, '') : request.url.pathname;

    if (REMOVED_ENDPOINTS.some((pattern) => pattern.test(path))) return json(410, CHANGE_2770_BODY);
    const route = ROUTES.find((candidate) => candidate.pattern.test(path));
    const match = route?.pattern.exec(path) ?? null;
    if (route === undefined || match === null) return notFound();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return apiError(405, 'Method not allowed', `${request.method} is not supported on this resource.`);
    }

    const auth = authenticate(state, request);
    if (!auth.ok) return auth.response;
    const required = auth.kind === 'api-token' ? route.tokenScope : route.scope;
    if (!auth.scopes.includes(required)) return missingScope(auth.scopes, required);

    return answer(state, request, route.resolve(state, match, request.url.searchParams));
  };
}

function answer(state: SimState, request: SimRequest, result: RouteResult): SimResponse {
  if (result.kind === 'response') return result.response;
  const query = request.url.searchParams;
  let body = result.kind === 'object' ? result.body : undefined;
  if (result.kind === 'list') {
    const shaping = request.shaping ?? [];
    const items = result.items;
    const page = listPage(items, query, {
      pagination: state.options.pagination,
      omitSize: state.options.omitSize,
      baseUrl: `${state.apiOrigin}${request.url.pathname}`,
      ...(shaping.some((rule) => rule.kind === 'endless-next') ? { endless: (offset: number) => endlessItem(items, offset) } : {}),
      ...(result.shape?.defaultPagelen === undefined ? {} : { defaultPagelen: result.shape.defaultPagelen }),
    });
    if (!page.ok) return apiError(400, page.message, page.detail);
    body = page.body;
    if (result.shape?.withoutSize === true) delete page.body.size;
    const claimed = shaping.find((rule) => rule.kind === 'size')?.size;
    if (claimed !== undefined) page.body.size = claimed;
  }
  // `fields` shapes the whole answer, the page envelope included.
  return json(200, applyFields(body, query.get('fields')), result.headers);
}

// Past the data, the 'endless-next' fault hands out copies of the list's first repository under
// names never used, so each page brings something new (other lists get nothing).
function endlessItem(items: readonly unknown[], offset: number): unknown {
  const model = items[0] as BitbucketRepository | undefined;
  if (model?.type !== 'repository') return undefined;
  const slug = `endless-${offset}`;
  const uuid = `{00000000-0000-4000-8000-${String(offset).padStart(12, '0')}}`;
  return { ...model, name: slug, slug, uuid, full_name: `${model.workspace.slug}/${slug}` };
}

// Bitbucket accepts a workspace's slug or its UUID in braces. Workspaces the user is not a member
// of answer like unknown ones here (real Bitbucket would list their public repositories).
function findWorkspace(state: SimState, encoded: string): SimWorkspaceData | { response: SimResponse } {
  const id = decodeSegment(encoded);
  const found = state.data.workspaces.find((entry) => entry.workspace.slug === id || entry.workspace.uuid === id);
  return found ?? { response: apiError(404, `No workspace with identifier '${id}'.`, 'It does not exist, or you are not a member of it.') };
}

/**
 * A repository of a workspace, by slug or UUID (both path segments as sent), or the 404 Bitbucket
 * answers. The content repository (`dana-demo/site`) is found by name in every data set.
 */
function findRepository(state: SimState, workspace: string, encoded: string): BitbucketRepository | { response: SimResponse } {
  const site = state.data.site.repository;
  const [workspaceId, slug] = [decodeSegment(workspace), decodeSegment(encoded)];
  if ([site.workspace.slug, site.workspace.uuid].includes(workspaceId) && [site.slug, site.uuid].includes(slug)) return site;
  const found = findWorkspace(state, workspace);
  if ('response' in found) return found;
  const repository = found.repositories.find((candidate) => candidate.slug === slug || candidate.uuid === slug);
  return repository ?? { response: apiError(404, `Repository ${found.workspace.slug}/${slug} not found`) };
}

function decodeSegment(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function toWorkspaceAccess(entry: SimWorkspaceData): BitbucketWorkspaceAccess {
  const { workspace } = entry;
  return {
    type: 'workspace_access',
    administrator: entry.administrator,
    workspace: {
      type: 'workspace_base',
      uuid: workspace.uuid,
      slug: workspace.slug,
      links: { avatar: workspace.links.avatar, self: workspace.links.self },
    },
  };
}

function notFound(): SimResponse {
  return apiError(
    404,
    'Resource not found',
    "There is no API hosted at this URL.\n\nFor information about our API's, please refer to the documentation at: https://developer.atlassian.com/bitbucket/api/2/reference/",
  );
}
