// @vitest-environment node
/** The history model behind the content endpoints: snapshots, revisions, listings, selections. Pure. */
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../sim/index.ts';
import { buildHistory, listDirectory, pathAt, resolveRevision, selectCommits } from '../../sim/history.ts';
import type { HistoryStep } from '../../sim/history.ts';

const who = { author: 'A <a@example.com>', authorIsUser: false };
const STEPS: HistoryStep[] = [
  { branch: 'main', date: '2026-01-01T00:00:00+00:00', message: 'one', ...who, write: { 'foo.md': 'a', 'foo/bar.md': 'b', 'foo-x': 'c' } },
  { branch: 'side', from: 'main', date: '2026-01-02T00:00:00+00:00', message: 'two', ...who, write: { 'foo.md': 'changed' } },
  { branch: 'main', date: '2026-01-03T00:00:00+00:00', message: 'three', ...who, write: { 'foo/bar.md': null, 'baz/q.md': 'q' } },
];

describe('buildHistory', () => {
  it('keeps a snapshot per commit, its parent, what it changed, and the same hashes for the same steps', () => {
    const history = buildHistory(STEPS);
    expect(history.commits.map((commit) => commit.message)).toEqual(['three', 'two', 'one']);
    const [three, two, one] = history.commits;
    expect(one?.parents).toEqual([]);
    expect(two?.parents).toEqual([one?.hash]);
    expect(three?.parents).toEqual([one?.hash]);
    expect([...(three?.files.keys() ?? [])].sort()).toEqual(['baz/q.md', 'foo-x', 'foo.md']);
    expect(three?.changed).toEqual(['foo/bar.md', 'baz/q.md']);
    expect(one?.changed).toEqual(['foo.md', 'foo/bar.md', 'foo-x']);
    expect(history.branches).toEqual([
      { name: 'main', head: three?.hash },
      { name: 'side', head: two?.hash },
    ]);
    expect(buildHistory(STEPS)).toEqual(history);
    expect(new Set(history.commits.map((commit) => commit.hash)).size).toBe(3);
  });
});

describe('resolveRevision', () => {
  const history = buildHistory(STEPS);
  const one = history.commits[2];

  it('takes a branch, a whole hash, or a prefix of 7 or more digits only one commit has', () => {
    expect(resolveRevision(history, 'side')?.message).toBe('two');
    expect(resolveRevision(history, one?.hash ?? '')).toBe(one);
    expect(resolveRevision(history, one?.hash.slice(0, 7) ?? '')).toBe(one);
    expect(resolveRevision(history, one?.hash.slice(0, 6) ?? '')).toBeUndefined();
    expect(resolveRevision(history, 'nope')).toBeUndefined();
  });

  it('refuses a prefix two commits share; a longer one tells them apart', () => {
    if (one === undefined) throw new Error('no commit');
    // A made-up commit whose hash starts with the same 7 digits and differs at the 8th.
    const twin = { ...one, hash: `${one.hash.slice(0, 7)}${one.hash[7] === 'f' ? 'e' : 'f'}${'0'.repeat(32)}` };
    const ambiguous = { ...history, commits: [...history.commits, twin] };
    expect(resolveRevision(ambiguous, one.hash.slice(0, 7))).toBeUndefined();
    expect(resolveRevision(ambiguous, one.hash.slice(0, 8))).toBe(one);
    expect(resolveRevision(ambiguous, twin.hash)).toBe(twin);
  });
});

describe('pathAt and listDirectory', () => {
  const main = resolveRevision(buildHistory(STEPS), 'side');

  it('tells a file from a directory from nothing; the root is a directory', () => {
    if (main === undefined) throw new Error('no commit');
    expect(pathAt(main, 'foo.md')).toEqual({ kind: 'file', text: 'changed' });
    expect(pathAt(main, 'foo')).toEqual({ kind: 'directory' });
    expect(pathAt(main, '')).toEqual({ kind: 'directory' });
    expect(pathAt(main, 'fo')).toEqual({ kind: 'none' });
    expect(pathAt(main, 'foo/bar.md/x')).toEqual({ kind: 'none' });
  });

  it('lists in git’s order: a directory sorts as if its name ended with a slash', () => {
    if (main === undefined) throw new Error('no commit');
    expect(listDirectory(main, '', 1)).toEqual([
      { path: 'foo-x', kind: 'file', size: 1 },
      { path: 'foo.md', kind: 'file', size: 7 },
      { path: 'foo', kind: 'directory' },
    ]);
    expect(listDirectory(main, '', 2).at(-1)).toEqual({ path: 'foo/bar.md', kind: 'file', size: 1 });
    expect(listDirectory(main, 'foo', 5)).toEqual([{ path: 'foo/bar.md', kind: 'file', size: 1 }]);
  });
});

describe('selectCommits', () => {
  const history = buildHistory(STEPS);
  const messages = (query: Parameters<typeof selectCommits>[1]) => {
    const selection = selectCommits(history, query);
    return selection.ok ? selection.commits.map((commit) => commit.message) : `unknown ${selection.unknown}`;
  };

  it('walks parents from include, leaves out what exclude reaches, and filters by path', () => {
    expect(messages({ include: [], exclude: [], path: null })).toEqual(['three', 'two', 'one']);
    expect(messages({ include: ['main'], exclude: [], path: null })).toEqual(['three', 'one']);
    expect(messages({ include: ['side'], exclude: ['main'], path: null })).toEqual(['two']);
    expect(messages({ include: [], exclude: [], path: 'foo.md' })).toEqual(['two', 'one']);
    expect(messages({ include: [], exclude: [], path: 'foo' })).toEqual(['three', 'one']);
    expect(messages({ include: [], exclude: [], path: 'fo' })).toEqual([]);
    expect(messages({ include: ['main'], exclude: ['gone'], path: null })).toBe('unknown gone');
  });
});

describe('the data set', () => {
  it('has dana-demo/site whatever its workspaces, in none of them, with one history for every seed', () => {
    const plain = generateDataset();
    const other = generateDataset({ seed: 9, workspaces: [{ slug: 'x', name: 'X', repositories: 2 }] });
    for (const data of [plain, other]) {
      expect(data.site.repository.full_name).toBe('dana-demo/site');
      expect(data.site.repository.owner).toMatchObject({ type: 'user', uuid: data.user.uuid });
      expect(data.workspaces.flatMap((entry) => entry.repositories)).not.toContain(data.site.repository);
    }
    expect(other.site.history.commits.map((c) => c.hash)).toEqual(plain.site.history.commits.map((c) => c.hash));
    // In the default data the site's workspace is the personal one, object for object.
    expect(plain.site.repository.workspace).toEqual(plain.workspaces[0]?.repositories[0]?.workspace);
  });
});
