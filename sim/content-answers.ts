/**
 * What the API answers about a repository's contents: its branches, one branch, a path at a
 * revision (a directory's listing or a file's raw text), and its commits. Pure: the repository is
 * already found and the caller allowed; pagination and `fields` come after, as for every list.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-source/
 */
import { branchObject, commitObject, mediaTypeOf, placeOf, treeEntryObject } from './content-shapes.ts';
import type { RepositoryPlace } from './content-shapes.ts';
import type { SimDataset } from './data.ts';
import { listDirectory, pathAt, resolveRevision, selectCommits } from './history.ts';
import type { RepositoryHistory, SimCommit } from './history.ts';
import { apiError, errorBody, json } from './http.ts';
import type { RouteResult } from './http.ts';
import { historyOf } from './repository-content.ts';
import type { BitbucketRepository } from './wire-types.ts';

/** Bitbucket marks every answer about a path at a commit cacheable for a day (recorded), 404s included. */
const SOURCE_HEADERS = { 'Cache-Control': 'max-age=86400' } as const;

/** `GET /commits` pages 30 commits by default, not 10 (recorded). */
const COMMITS_PAGELEN = 30;

/** A repository as the content answers need it: its history and where its links go. */
export interface ContentContext {
  data: SimDataset;
  place: RepositoryPlace;
  history: RepositoryHistory;
}

/** Gathers what the answers about `repository` need. */
export function contentContext(data: SimDataset, repository: BitbucketRepository, apiOrigin: string): ContentContext {
  return { data, place: placeOf(repository, apiOrigin), history: historyOf(data, repository) };
}

/** `GET …/refs/branches`: every branch, its head commit whole. */
export function branchList(context: ContentContext): RouteResult {
  const items = context.history.branches.map((branch) =>
    branchObject(context.place, branch.name, headOf(context, branch.head), context.data.user),
  );
  return { kind: 'list', items };
}

/** `GET …/refs/branches/{name}`: one branch, or 404. */
export function branchNamed(context: ContentContext, name: string): RouteResult {
  const branch = context.history.branches.find((candidate) => candidate.name === name);
  if (branch === undefined) {
    return {
      kind: 'response',
      response: apiError(404, 'Branch not found', `There is no branch '${name}' in ${context.place.repository.full_name}.`),
    };
  }
  return { kind: 'object', body: branchObject(context.place, branch.name, headOf(context, branch.head), context.data.user) };
}

/**
 * `GET …/src/{revision}/{path}`: a directory's entries, breadth first to `max_depth` (default 1),
 * paged without `size`; a file's raw text in its own media type; with `format=meta`, the entry
 * itself. `revision` is a branch or a (short) hash; `path` '' is the root.
 */
export function sourceAt(context: ContentContext, revision: string, path: string, query: URLSearchParams): RouteResult {
  const commit = resolveRevision(context.history, revision);
  if (commit === undefined) return sourceError(404, 'Commit not found');
  const found = pathAt(commit, path);
  if (found.kind === 'none') return sourceError(404, `No such file or directory: ${path}`);

  if (query.get('format') === 'meta') {
    const entry =
      found.kind === 'file' ? { path, kind: 'file' as const, size: Buffer.byteLength(found.text) } : { path, kind: 'directory' as const };
    return { kind: 'object', body: treeEntryObject(context.place, commit.hash, entry), headers: { ...SOURCE_HEADERS } };
  }
  if (found.kind === 'file') {
    const headers = { 'Content-Type': mediaTypeOf(path) ?? 'text/plain', ...SOURCE_HEADERS };
    return { kind: 'response', response: { status: 200, headers, body: found.text } };
  }
  const depth = readDepth(query.get('max_depth'));
  if (depth === undefined) return sourceError(400, 'Invalid max_depth', 'max_depth must be a whole number, 1 or more.');
  const items = listDirectory(commit, path, depth).map((entry) => treeEntryObject(context.place, commit.hash, entry));
  return { kind: 'list', items, shape: { withoutSize: true }, headers: { ...SOURCE_HEADERS } };
}

/**
 * `GET …/commits`: the commits reachable from `include` (default: every branch) and not from
 * `exclude`, newest first; with `path`, only those that changed it. A revision that names nothing: 404.
 */
export function commitList(context: ContentContext, query: URLSearchParams): RouteResult {
  const selection = selectCommits(context.history, {
    include: query.getAll('include'),
    exclude: query.getAll('exclude'),
    path: query.get('path'),
  });
  if (!selection.ok) {
    return {
      kind: 'response',
      response: apiError(404, 'Commit not found', `No branch or commit '${selection.unknown}' in ${context.place.repository.full_name}.`),
    };
  }
  const items = selection.commits.map((commit) => commitObject(context.place, commit, context.data.user));
  return { kind: 'list', items, shape: { defaultPagelen: COMMITS_PAGELEN } };
}

function headOf(context: ContentContext, hash: string): SimCommit {
  const head = context.history.commits.find((commit) => commit.hash === hash);
  if (head === undefined) throw new Error(`branch head ${hash} is not a commit of ${context.place.repository.full_name}`);
  return head;
}

function sourceError(status: number, message: string, detail?: string): RouteResult {
  return { kind: 'response', response: json(status, errorBody(message, detail), { ...SOURCE_HEADERS }) };
}

// Absent: 1, Bitbucket's default. Anything but a whole number from 1 up is refused.
function readDepth(raw: string | null): number | undefined {
  if (raw === null || raw === '') return 1;
  return /^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
}
