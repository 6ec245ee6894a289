/**
 * Bitbucket's wire shapes for what a repository holds: branches, commits and directory entries,
 * as recorded from api.bitbucket.org (bitbucket.md, "Repository contents"). API links point to the
 * simulator, so a client that follows them stays on it; web links point to bitbucket.org.
 */
import type { SimCommit, TreeEntry } from './history.ts';
import type {
  BitbucketBranch,
  BitbucketCommit,
  BitbucketCommitRef,
  BitbucketRepository,
  BitbucketTreeEntry,
  BitbucketUser,
} from './wire-types.ts';

/** Where a repository's links go: its API base on the simulator, and its page on bitbucket.org. */
export interface RepositoryPlace {
  repository: BitbucketRepository;
  /** e.g. `http://localhost:3101/2.0/repositories/dana-demo/site` */
  api: string;
}

/** The place of a repository served from `apiOrigin`. */
export function placeOf(repository: BitbucketRepository, apiOrigin: string): RepositoryPlace {
  return { repository, api: `${apiOrigin}/2.0/repositories/${repository.full_name}` };
}

/** A file's media type as Bitbucket names it from its extension; null for text it does not name. */
export function mediaTypeOf(path: string): string | null {
  return path.endsWith('.svg') ? 'image/svg+xml' : null;
}

/** A repository path in a URL: each segment encoded, the slashes kept. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The short form of a commit. */
function commitRef(place: RepositoryPlace, hash: string): BitbucketCommitRef {
  return {
    type: 'commit',
    hash,
    links: { self: { href: `${place.api}/commit/${hash}` }, html: { href: `${place.repository.links.html.href}/commits/${hash}` } },
  };
}

/** A whole commit; `user` is the account its author stands for when Bitbucket knows one. */
export function commitObject(place: RepositoryPlace, commit: SimCommit, user: BitbucketUser): BitbucketCommit {
  const { repository } = place;
  const { self, html } = commitRef(place, commit.hash).links;
  const author: BitbucketCommit['author'] = { type: 'author', raw: commit.author };
  if (commit.authorIsUser) {
    const { display_name, uuid, nickname, account_id, links } = user;
    author.user = {
      type: 'user',
      display_name,
      uuid,
      nickname,
      account_id,
      links: { self: links.self, html: links.html, avatar: links.avatar },
    };
  }
  return {
    type: 'commit',
    hash: commit.hash,
    date: commit.date,
    author,
    message: commit.message,
    links: {
      self,
      html,
      diff: { href: `${place.api}/diff/${commit.hash}` },
      patch: { href: `${place.api}/patch/${commit.hash}` },
      comments: { href: `${self.href}/comments` },
      approve: { href: `${self.href}/approve` },
      statuses: { href: `${self.href}/statuses` },
    },
    parents: commit.parents.map((hash) => commitRef(place, hash)),
    repository: {
      type: 'repository',
      full_name: repository.full_name,
      name: repository.name,
      uuid: repository.uuid,
      links: { self: { href: place.api }, html: repository.links.html, avatar: repository.links.avatar },
    },
  };
}

/** A branch whose target is its head commit, whole. */
export function branchObject(place: RepositoryPlace, name: string, head: SimCommit, user: BitbucketUser): BitbucketBranch {
  const encoded = encodeURIComponent(name);
  return {
    type: 'branch',
    name,
    target: commitObject(place, head, user),
    links: {
      self: { href: `${place.api}/refs/branches/${encoded}` },
      commits: { href: `${place.api}/commits/${encoded}` },
      html: { href: `${place.repository.links.html.href}/branch/${encoded}` },
    },
    default_merge_strategy: 'merge_commit',
    merge_strategies: ['merge_commit', 'squash', 'fast_forward'],
  };
}

/** One entry of a directory listing at `hash`: the commit asked for, not the one that last changed the entry. */
export function treeEntryObject(place: RepositoryPlace, hash: string, entry: TreeEntry): BitbucketTreeEntry {
  const src = `${place.api}/src/${hash}/${encodePath(entry.path)}`;
  const commit = commitRef(place, hash);
  if (entry.kind === 'directory') {
    return {
      type: 'commit_directory',
      path: entry.path,
      commit,
      links: { self: { href: `${src}/` }, meta: { href: `${src}/?format=meta` } },
    };
  }
  return {
    type: 'commit_file',
    path: entry.path,
    commit,
    attributes: [],
    size: entry.size ?? 0,
    mimetype: mediaTypeOf(entry.path),
    links: {
      self: { href: src },
      meta: { href: `${src}?format=meta` },
      history: { href: `${place.api}/filehistory/${hash}/${encodePath(entry.path)}` },
    },
  };
}
