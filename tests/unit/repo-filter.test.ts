import { describe, expect, it } from 'vitest';
import { repositoryParser } from '../../src/api-shapes.ts';
import { createRepositoryIndex, DEFAULT_QUERY, readListQuery, writeListQuery } from '../../src/repo-filter.ts';
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
