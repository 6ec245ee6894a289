/**
 * The Bitbucket endpoints the app uses, each a named call: the request (its path, and what it
 * needs the app to be allowed) and the check that turns the answer into typed data. The client
 * sends a call and the paginator follows a list; neither knows any endpoint.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/
 */
import { bad, record, text, type ListCall, type Permission } from 'bitbucket-browser-auth';
import {
  parseUser,
  parseWorkspaceAccess,
  REPOSITORY_FIELDS,
  WORKSPACE_FIELDS,
  type Repository,
  type User,
  type Workspace,
} from './api-shapes.ts';

/** A request for one object: where it is, what it needs, and the check of its answer. */
export interface Call<T> {
  path: string;
  needs: Permission;
  check: (json: unknown, path: string) => T;
}

/** Bitbucket's largest page. */
export const PAGELEN = 100;

const ACCOUNT_USER: Permission = { oauth: 'Account: Read', apiToken: 'read:user:bitbucket' };
const ACCOUNT_WORKSPACES: Permission = { oauth: 'Account: Read', apiToken: 'read:workspace:bitbucket' };
const REPOSITORIES: Permission = { oauth: 'Repositories: Read', apiToken: 'read:repository:bitbucket' };

/** The first page of a list: the largest pages, and only the fields the app reads. */
const firstPage = (path: string, fields: string) => `${path}?pagelen=${PAGELEN}&fields=${encodeURIComponent(fields)}`;

/**
 * `GET /user`: who is signed in.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get
 */
export function getUser(): Call<User> {
  return { path: '/user', needs: ACCOUNT_USER, check: parseUser };
}

/**
 * `GET /user/workspaces`: the workspaces the user can access.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-workspaces/#api-user-workspaces-get
 */
export function listWorkspaces(): ListCall<Workspace> {
  return { path: firstPage('/user/workspaces', WORKSPACE_FIELDS), needs: ACCOUNT_WORKSPACES, check: parseWorkspaceAccess };
}

/**
 * `GET /repositories/{workspace}`: the repositories of one workspace the user can see.
 * `check` is the repository checker (it knows which link schemes are allowed).
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-get
 */
export function listRepositories(workspace: string, check: (json: unknown, path: string) => Repository): ListCall<Repository> {
  return { path: firstPage(`/repositories/${encodeURIComponent(workspace)}`, REPOSITORY_FIELDS), needs: REPOSITORIES, check };
}

/** A branch of a repository, as far as the app shows it. */
export interface Branch {
  name: string;
}

/**
 * `GET /repositories/{workspace}/{repo_slug}/refs/branches`: a repository's branches.
 * `fullName` is the repository's `workspace/repo_slug`.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-refs/#api-repositories-workspace-repo-slug-refs-branches-get
 */
export function listBranches(fullName: string): ListCall<Branch> {
  // Two path segments, neither `.` nor `..` (a URL would resolve those to another endpoint).
  if (!/^(?!\.\.?\/)[\w.-]+\/(?!\.\.?$)[\w.-]+$/.test(fullName)) bad(fullName);
  const path = `/repositories/${fullName}/refs/branches`;
  return { path: firstPage(path, 'next,size,page,pagelen,values.name'), needs: REPOSITORIES, check: checkBranch };
}

/** Checks one branch of `listBranches`. */
export function checkBranch(json: unknown, path: string): Branch {
  return { name: text(record(json, path).name, path) };
}
