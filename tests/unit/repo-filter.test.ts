import { describe, expect, it } from 'vitest';
import { repositoryParser } from '../../src/api-shapes.ts';
import { createRepositoryIndex, DEFAULT_QUERY, isFiltering, readListQuery, writeListQuery } from '../../src/repo-filter.ts';
import { repo } from '../support/fake-fetch.ts';

const parse = repositoryParser(['https:']);
const make = (...args: Parameters<typeof repo>) => parse(repo(...args), '/x');

describe('list query in the URL', () => {
  it('reads what writeListQuery wrote, keeping other parameters and leaving defaults out', () => {
    const query = { q: 'api gateway', sort: 'name' as const, workspace: 'acme', visibility: 'private' as const, language: 'go' };
    const search = writeListQuery(query, '?keep=1');
    expect(search).toBe('?keep=1&q=api+gateway&sort=name&workspace=acme&visibility=private&language=go');
    expect(readListQuery(search)).toEqual(query);
    expect(writeListQuery(DEFAULT_QUERY, '?keep=1&q=old')).toBe('?keep=1');
  });

  it('falls back to defaults for unknown values', () => {
    expect(readListQuery('?sort=stars&visibility=secret')).toEqual(DEFAULT_QUERY);
  });
});

describe('repository index', () => {
  const index = createRepositoryIndex();
  index.add([
    make('acme', 1, {
      name: 'Zebra API',
      description: 'Gateway for payments',
      updated_on: '2026-02-01T06:00:00+00:00',
      language: 'Go',
      is_private: true,
    }),
    make('acme', 2, {
      name: 'alpha web',
      description: '',
      updated_on: '2026-03-01T00:00:00+00:00',
      language: 'TypeScript',
      is_private: false,
    }),
    // As text this is the latest of the three dates; as an instant (04:00 UTC) it is before Zebra's.
    make('solo', 3, {
      name: 'Mid tool',
      description: 'api helper',
      updated_on: '2026-02-01T09:00:00+05:00',
      language: 'go',
      is_private: false,
    }),
  ]);
  const names = (query: Partial<typeof DEFAULT_QUERY>) => index.query({ ...DEFAULT_QUERY, ...query }).map((r) => r.name);

  it('sorts by last update (newest first) comparing instants, or by name', () => {
    expect(names({})).toEqual(['alpha web', 'Zebra API', 'Mid tool']);
    expect(names({ sort: 'name' })).toEqual(['alpha web', 'Mid tool', 'Zebra API']);
  });

  it('filters by words in name or description, case-insensitively', () => {
    expect(names({ q: 'API' })).toEqual(['Zebra API', 'Mid tool']);
    expect(names({ q: 'gateway zebra' })).toEqual(['Zebra API']);
    expect(names({ q: 'nothing' })).toEqual([]);
  });

  it('filters by workspace, visibility and language', () => {
    expect(names({ workspace: 'solo' })).toEqual(['Mid tool']);
    expect(names({ visibility: 'private' })).toEqual(['Zebra API']);
    expect(names({ language: 'go' })).toEqual(['Zebra API', 'Mid tool']);
    expect(index.languages()).toEqual(['go', 'TypeScript']);
  });

  it('gives the same answers typing letter by letter as asking afresh', () => {
    const letters = createRepositoryIndex();
    const fresh = () => {
      const copy = createRepositoryIndex();
      copy.add(index.all().slice());
      return copy;
    };
    letters.add(index.all().slice());
    for (const q of ['a', 'ap', 'api', 'api ', 'api h', 'api', 'z', 'm', 'mi']) {
      expect(letters.query({ ...DEFAULT_QUERY, q }).map((r) => r.name)).toEqual(
        fresh()
          .query({ ...DEFAULT_QUERY, q })
          .map((r) => r.name),
      );
    }
    expect(letters.query({ ...DEFAULT_QUERY, q: 'api', visibility: 'public' }).map((r) => r.name)).toEqual(['Mid tool']);
  });

  it('forgets a workspace when it is loaded again', () => {
    const copy = createRepositoryIndex();
    copy.add(index.all().slice());
    copy.removeWorkspace('acme');
    expect(copy.all().map((r) => r.name)).toEqual(['Mid tool']);
  });
});

describe('list query: reading and writing every field', () => {
  it('reads public visibility and the default sort, and writes nothing at all for the defaults', () => {
    expect(readListQuery('?visibility=public&sort=updated')).toEqual({ ...DEFAULT_QUERY, visibility: 'public' });
    expect(readListQuery('')).toEqual(DEFAULT_QUERY);
    expect(writeListQuery(DEFAULT_QUERY, '')).toBe('');
    expect(writeListQuery({ ...DEFAULT_QUERY, visibility: 'public' }, '')).toBe('?visibility=public');
  });

  it.each([
    ['nothing chosen', {}, false],
    ['only spaces typed', { q: '   ' }, false],
    ['the sort alone', { sort: 'name' as const }, false],
    ['words', { q: ' api ' }, true],
    ['a workspace', { workspace: 'acme' }, true],
    ['a visibility', { visibility: 'public' as const }, true],
    ['a language', { language: 'go' }, true],
  ])('isFiltering with %s: %s', (_name, change, filtering) => {
    expect(isFiltering({ ...DEFAULT_QUERY, ...change })).toBe(filtering);
  });
});

describe('repository index: order, facets and changes', () => {
  const names = (index: ReturnType<typeof createRepositoryIndex>, query: Partial<typeof DEFAULT_QUERY> = {}) =>
    index.query({ ...DEFAULT_QUERY, ...query }).map((r) => r.full_name);

  it('sorts names as people read them (numbers by value, case aside), then by full name; equal dates by name', () => {
    const index = createRepositoryIndex();
    const day = '2026-01-01T00:00:00+00:00';
    index.add([
      make('b', 1, { name: 'repo 10', updated_on: day }),
      make('b', 2, { name: 'Repo 2', updated_on: day }),
      make('a', 3, { name: 'repo 2', updated_on: day }),
    ]);
    expect(names(index, { sort: 'name' })).toEqual(['a/repo-3', 'b/repo-2', 'b/repo-1']);
    expect(names(index)).toEqual(['a/repo-3', 'b/repo-2', 'b/repo-1']);
  });

  it('without a filter, gives the sorted list itself; with words, matches every word, wherever spaces are', () => {
    const index = createRepositoryIndex();
    index.add([make('w', 1, { name: 'payments api', description: '' }), make('w', 2, { name: 'web', description: 'API docs' })]);
    expect(index.query(DEFAULT_QUERY)).toBe(index.query({ ...DEFAULT_QUERY, q: '  ' }));
    expect(names(index, { q: '  API  ' }).sort()).toEqual(['w/repo-1', 'w/repo-2']);
    expect(names(index, { q: 'api docs' })).toEqual(['w/repo-2']);
    // The name and the description are searched apart: no word spans both.
    expect(names(index, { q: 'web\napi' })).toEqual(['w/repo-2']);
    expect(names(index, { q: 'bapi' })).toEqual([]);
  });

  it('lists each workspace once, by name, and each language once (ignoring case), leaving out none', () => {
    const index = createRepositoryIndex();
    index.add([
      make('zed', 1, { language: 'Go', workspace: { slug: 'zed', name: 'Zed team' } }),
      make('acme', 2, { language: '', workspace: { slug: 'acme', name: 'Acme' } }),
      make('acme', 3, { language: 'python', workspace: { slug: 'acme', name: 'Acme' } }),
      make('zed', 4, { language: 'go', workspace: { slug: 'zed', name: 'Zed team' } }),
    ]);
    expect(index.workspaces()).toEqual([
      { slug: 'acme', name: 'Acme' },
      { slug: 'zed', name: 'Zed team' },
    ]);
    expect(index.languages()).toEqual(['go', 'python']);
    expect(names(index, { language: 'GO' }).sort()).toEqual(['zed/repo-1', 'zed/repo-4']);
  });

  it('keeps its answers while nothing changes, and answers afresh after repositories come or go', () => {
    const index = createRepositoryIndex();
    index.add([make('a', 1, { name: 'api one', language: 'go' })]);
    const workspaces = index.workspaces();
    const languages = index.languages();
    expect(index.workspaces()).toBe(workspaces);
    expect(index.languages()).toBe(languages);
    expect(names(index, { q: 'api' })).toEqual(['a/repo-1']);
    expect(names(index, { sort: 'name' })).toEqual(['a/repo-1']);

    index.add([make('b', 2, { name: 'api two', language: 'rust' })]);
    expect(index.size).toBe(2);
    expect(index.workspaces().map((w) => w.slug)).toEqual(['a', 'b']);
    expect(index.languages()).toEqual(['go', 'rust']);
    // Typing on from "api" must not search only the answer from before the change.
    expect(names(index, { q: 'api tw' })).toEqual(['b/repo-2']);
    expect(names(index, { sort: 'name' })).toEqual(['a/repo-1', 'b/repo-2']);

    index.query({ ...DEFAULT_QUERY, q: 'api' });
    index.removeWorkspace('b');
    expect(index.size).toBe(1);
    expect(names(index, { q: 'api' })).toEqual(['a/repo-1']);
    expect(names(index, { sort: 'name' })).toEqual(['a/repo-1']);
    expect(index.languages()).toEqual(['go']);
  });

  it('a wider filter after a narrower one finds everything again', () => {
    const index = createRepositoryIndex();
    index.add([make('a', 1, { name: 'API', is_private: true }), make('b', 2, { name: 'api', is_private: false })]);
    expect(names(index, { q: 'Api', visibility: 'private' })).toEqual(['a/repo-1']);
    expect(names(index, { q: 'api' }).sort()).toEqual(['a/repo-1', 'b/repo-2']);
    expect(names(index, { q: 'API', workspace: 'b' })).toEqual(['b/repo-2']);
    expect(names(index, { q: 'apI', language: 'rust' })).toEqual([]);
    expect(names(index, { q: 'a' }).sort()).toEqual(['a/repo-1', 'b/repo-2']);
  });
});
