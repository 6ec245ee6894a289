/**
 * A repository's history as the simulator keeps it: commits that each hold a snapshot of every
 * file, built from a few steps, and the questions the content endpoints ask of it (which commit a
 * revision names, what a path is at a commit, which commits touched a path). Pure.
 */
import { createRandom, hashString } from './random.ts';

/** One commit: who made it and when, its parents, and every file as it stands after it. */
export interface SimCommit {
  /** 40 lowercase hexadecimal digits. */
  hash: string;
  /** Bitbucket's form for commit dates: `2026-09-14T09:12:03+00:00`. */
  date: string;
  message: string;
  /** As git records it: `Name <email>`. */
  author: string;
  /** Whether the author is the signed-in user's Bitbucket account; otherwise Bitbucket knows only the raw text. */
  authorIsUser: boolean;
  parents: string[];
  /** Every file at this commit, by path (no leading slash), as text. */
  files: ReadonlyMap<string, string>;
  /** Paths this commit added, changed or removed against its first parent (every file, for a root commit). */
  changed: readonly string[];
}

/** A repository's branches and its commits, newest first. */
export interface RepositoryHistory {
  branches: ReadonlyArray<{ name: string; head: string }>;
  commits: readonly SimCommit[];
}

/** One step of a history: a commit on a branch, writing (text) or removing (null) files. */
export interface HistoryStep {
  branch: string;
  /** The branch a new branch starts from (at that branch's head when the step comes). */
  from?: string;
  date: string;
  message: string;
  author: string;
  authorIsUser: boolean;
  write: Record<string, string | null>;
}

/** Builds a history from its steps, in order; the same steps always give the same hashes. */
export function buildHistory(steps: readonly HistoryStep[]): RepositoryHistory {
  const heads = new Map<string, SimCommit>();
  const commits: SimCommit[] = [];
  for (const step of steps) {
    const parent = heads.get(step.branch) ?? (step.from === undefined ? undefined : heads.get(step.from));
    const files = new Map(parent?.files ?? []);
    for (const [path, text] of Object.entries(step.write)) {
      if (text === null) files.delete(path);
      else files.set(path, text);
    }
    const changed = Object.keys(step.write).filter((path) => parent === undefined || parent.files.get(path) !== step.write[path]);
    // Not git's hash (that needs the tree objects), but as stable: the same history, the same hashes.
    const hash = createRandom(hashString(`${parent?.hash ?? ''}:${step.date}:${step.message}:${[...files.keys()].join()}`)).hex(40);
    const { date, message, author, authorIsUser } = step;
    const commit: SimCommit = { hash, date, message, author, authorIsUser, parents: parent ? [parent.hash] : [], files, changed };
    heads.set(step.branch, commit);
    commits.push(commit);
  }
  return {
    branches: [...heads].map(([name, head]) => ({ name, head: head.hash })),
    commits: commits.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)),
  };
}

/**
 * The commit a revision names: a branch, else a whole hash or a prefix of at least 7 digits that
 * only one commit has (Bitbucket's own examples use 7).
 */
export function resolveRevision(history: RepositoryHistory, revision: string): SimCommit | undefined {
  const branch = history.branches.find((candidate) => candidate.name === revision);
  if (branch !== undefined) return history.commits.find((commit) => commit.hash === branch.head);
  if (!/^[0-9a-f]{7,40}$/.test(revision)) return undefined;
  const matches = history.commits.filter((commit) => commit.hash.startsWith(revision));
  return matches.length === 1 ? matches[0] : undefined;
}

/** What a path is at a commit: a file with its text, a directory, or nothing. `''` is the root. */
export type PathKind = { kind: 'file'; text: string } | { kind: 'directory' } | { kind: 'none' };

/** Looks a path up at a commit; directories exist only as the folders of files, as in git. */
export function pathAt(commit: SimCommit, path: string): PathKind {
  const text = commit.files.get(path);
  if (text !== undefined) return { kind: 'file', text };
  const prefix = path === '' ? '' : `${path}/`;
  for (const file of commit.files.keys()) if (file.startsWith(prefix)) return { kind: 'directory' };
  return { kind: 'none' };
}

/** One entry of a directory listing. */
export interface TreeEntry {
  path: string;
  kind: 'file' | 'directory';
  /** Bytes, for files. */
  size?: number;
}

/**
 * The entries below a directory, breadth first down to `maxDepth` levels (1: its own entries),
 * each level in git's order (by name, a directory's name compared as if it ended with `/`).
 */
export function listDirectory(commit: SimCommit, directory: string, maxDepth: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let level = [directory];
  for (let depth = 1; depth <= maxDepth && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const folder of level) {
      for (const entry of childrenOf(commit, folder)) {
        entries.push(entry);
        if (entry.kind === 'directory') next.push(entry.path);
      }
    }
    level = next;
  }
  return entries;
}

function childrenOf(commit: SimCommit, folder: string): TreeEntry[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const children = new Map<string, TreeEntry>();
  for (const [path, text] of commit.files) {
    if (!path.startsWith(prefix)) continue;
    const name = path.slice(prefix.length).split('/')[0] ?? '';
    const isFile = prefix + name === path;
    if (!children.has(name)) {
      children.set(name, isFile ? { path, kind: 'file', size: Buffer.byteLength(text) } : { path: prefix + name, kind: 'directory' });
    }
  }
  const key = (name: string, entry: TreeEntry) => (entry.kind === 'directory' ? `${name}/` : name);
  return [...children].sort(([a, x], [b, y]) => (key(a, x) < key(b, y) ? -1 : 1)).map(([, entry]) => entry);
}

/** Which commits `GET …/commits` lists, or the revision that names no commit. */
export type CommitSelection = { ok: true; commits: SimCommit[] } | { ok: false; unknown: string };

/**
 * The commits reachable from `include` (every branch when empty) and not from `exclude`, newest
 * first; with `path`, only those that changed that file or something below that directory.
 */
export function selectCommits(
  history: RepositoryHistory,
  query: { include: readonly string[]; exclude: readonly string[]; path: string | null },
): CommitSelection {
  const reach = (revisions: readonly string[]): Set<string> | string => {
    const seen = new Set<string>();
    for (const revision of revisions) {
      const start = resolveRevision(history, revision);
      if (start === undefined) return revision;
      for (let pending = [start]; pending.length > 0;) {
        const commit = pending.pop() as SimCommit;
        if (seen.has(commit.hash)) continue;
        seen.add(commit.hash);
        pending.push(...history.commits.filter((candidate) => commit.parents.includes(candidate.hash)));
      }
    }
    return seen;
  };
  const included = reach(query.include.length > 0 ? query.include : history.branches.map((branch) => branch.name));
  if (typeof included === 'string') return { ok: false, unknown: included };
  const excluded = reach(query.exclude);
  if (typeof excluded === 'string') return { ok: false, unknown: excluded };

  const path = query.path?.replace(/\/+$/, '');
  const touches = (commit: SimCommit) =>
    path === undefined || path === '' || commit.changed.some((changed) => changed === path || changed.startsWith(`${path}/`));
  return {
    ok: true,
    commits: history.commits.filter((commit) => included.has(commit.hash) && !excluded.has(commit.hash) && touches(commit)),
  };
}
