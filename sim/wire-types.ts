/**
 * Bitbucket Cloud REST API 2.0 JSON shapes, with Bitbucket's own key names, as the simulator sends them.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/
 */

/** Every link in Bitbucket's JSON is an object with an `href`. */
export interface Link {
  href: string;
}

/** A link with a name, as in a repository's `links.clone`. */
export interface NamedLink extends Link {
  name: string;
}

/** The signed-in user, as `GET /2.0/user` returns it. `username` is legacy and left out. */
export interface BitbucketUser {
  type: 'user';
  uuid: string;
  account_id: string;
  nickname: string;
  display_name: string;
  account_status: 'active';
  created_on: string;
  has_2fa_enabled: null;
  is_staff: boolean;
  location: null;
  links: {
    self: Link;
    html: Link;
    avatar: Link;
    repositories: Link;
    snippets: Link;
    hooks: Link;
  };
}

/** A user as other objects embed it: a repository's owner, a commit's author. */
export interface BitbucketAccount {
  type: 'user';
  display_name: string;
  uuid: string;
  nickname: string;
  account_id: string;
  links: { self: Link; html: Link; avatar: Link };
}

/** A repository owner: a user (personal workspace) or a team. */
export type BitbucketOwner =
  | BitbucketAccount
  | {
      type: 'team';
      display_name: string;
      uuid: string;
      username: string;
      links: { self: Link; html: Link; avatar: Link };
    };

/** A workspace, as `GET /2.0/workspaces/{workspace}` returns it. */
export interface BitbucketWorkspace {
  type: 'workspace';
  uuid: string;
  name: string;
  slug: string;
  is_private: boolean;
  is_privacy_enforced: boolean;
  forking_mode: 'allow_forks' | 'internal_only';
  created_on: string;
  updated_on: string;
  links: {
    avatar: Link;
    html: Link;
    members: Link;
    owners: Link;
    hooks: Link;
    snippets: Link;
    repositories: Link;
    projects: Link;
    self: Link;
  };
}

/** The short workspace inside `workspace_access`: note there is no `name`. */
export interface BitbucketWorkspaceBase {
  type: 'workspace_base';
  uuid: string;
  slug: string;
  links: { avatar: Link; self: Link };
}

/** An item of `GET /2.0/user/workspaces`. */
export interface BitbucketWorkspaceAccess {
  type: 'workspace_access';
  administrator: boolean;
  workspace: BitbucketWorkspaceBase;
}

/** The project a repository belongs to. */
export interface BitbucketProject {
  type: 'project';
  key: string;
  uuid: string;
  name: string;
  links: { self: Link; html: Link; avatar: Link };
}

/** A repository, as `GET /2.0/repositories/{workspace}` lists it (about 3–4 kB of JSON). */
export interface BitbucketRepository {
  type: 'repository';
  full_name: string;
  links: {
    self: Link;
    html: Link;
    avatar: Link;
    pullrequests: Link;
    commits: Link;
    forks: Link;
    watchers: Link;
    branches: Link;
    tags: Link;
    downloads: Link;
    source: Link;
    clone: NamedLink[];
    hooks: Link;
  };
  name: string;
  slug: string;
  description: string;
  scm: 'git';
  website: string | null;
  owner: BitbucketOwner;
  workspace: {
    type: 'workspace';
    uuid: string;
    name: string;
    slug: string;
    links: { avatar: Link; html: Link; self: Link };
  };
  is_private: boolean;
  project: BitbucketProject;
  fork_policy: 'allow_forks' | 'no_public_forks' | 'no_forks';
  created_on: string;
  updated_on: string;
  size: number;
  language: string;
  uuid: string;
  mainbranch: { type: 'branch'; name: string } | null;
  override_settings: { default_merge_strategy: boolean; branching_model: boolean };
  parent?: {
    type: 'repository';
    full_name: string;
    name: string;
    uuid: string;
    links: { self: Link; html: Link; avatar: Link };
  };
  enforced_signed_commits: null;
  has_issues: boolean;
  has_wiki: boolean;
}

/** Bitbucket's error body. `detail` is usually a string, sometimes an object. */
export interface BitbucketError {
  type: 'error';
  error: { message: string; detail?: unknown; data?: Record<string, unknown> };
}

/** The short form of a commit, as a parent or a tree entry's commit. */
export interface BitbucketCommitRef {
  type: 'commit';
  hash: string;
  links: { self: Link; html: Link };
}

/** A commit, as a branch's `target` and `GET …/commits` give it. */
export interface BitbucketCommit {
  type: 'commit';
  hash: string;
  date: string;
  /** `raw` as git recorded it; `user` only when Bitbucket ties the address to an account. */
  author: {
    type: 'author';
    raw: string;
    user?: BitbucketAccount;
  };
  message: string;
  links: { self: Link; html: Link; diff: Link; patch: Link; comments: Link; approve: Link; statuses: Link };
  parents: BitbucketCommitRef[];
  repository: { type: 'repository'; full_name: string; name: string; uuid: string; links: { self: Link; html: Link; avatar: Link } };
}

/** A branch, as `GET …/refs/branches` lists it and `…/refs/branches/{name}` gives it. */
export interface BitbucketBranch {
  type: 'branch';
  name: string;
  target: BitbucketCommit;
  links: { self: Link; commits: Link; html: Link };
  default_merge_strategy: string;
  merge_strategies: string[];
}

/** One entry of a directory listing (`GET …/src/{commit}/{path}`): a file or a directory. */
export type BitbucketTreeEntry =
  | {
      type: 'commit_file';
      path: string;
      commit: BitbucketCommitRef;
      attributes: string[];
      size: number;
      mimetype: string | null;
      links: { self: Link; meta: Link; history: Link };
    }
  | { type: 'commit_directory'; path: string; commit: BitbucketCommitRef; links: { self: Link; meta: Link } };
