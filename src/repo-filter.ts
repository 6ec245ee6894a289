/**
 * Browsing: the filter and sort the user chose, kept in the page's URL query so that a reload or
 * a shared link keeps them, and the (pure) filtering and sorting of the list.
 */
import type { Repository } from './api-shapes.ts';

export type SortOrder = 'updated' | 'name';
export type Visibility = '' | 'private' | 'public';

/** The filter and sort; each key is also its URL query parameter (and its form field's name). */
export interface ListQuery {
  /** Words to find in the name or description. */
  q: string;
  sort: SortOrder;
  /** A workspace slug, or '' for all. */
  workspace: string;
  visibility: Visibility;
  /** A language, or '' for all. */
  language: string;
}

export const DEFAULT_QUERY: ListQuery = { q: '', sort: 'updated', workspace: '', visibility: '', language: '' };

/** Reads the list query from a URL's search string; anything unknown falls back to the default. */
export function readListQuery(search: string): ListQuery {
  const params = new URLSearchParams(search);
  const read = (key: keyof ListQuery) => params.get(key) ?? DEFAULT_QUERY[key];
  const visibility = read('visibility');
  return {
    q: read('q'),
    sort: read('sort') === 'name' ? 'name' : 'updated',
    workspace: read('workspace'),
    visibility: visibility === 'private' || visibility === 'public' ? visibility : '',
    language: read('language'),
  };
}

/** Writes the list query into a search string, keeping unrelated parameters and leaving defaults out. */
export function writeListQuery(query: ListQuery, search: string): string {
  const params = new URLSearchParams(search);
  for (const key of Object.keys(DEFAULT_QUERY) as Array<keyof ListQuery>) {
    if (query[key] === DEFAULT_QUERY[key]) params.delete(key);
    else params.set(key, query[key]);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** True when the query hides some repositories. */
export function isFiltering(query: ListQuery): boolean {
  return query.q.trim() !== '' || query.workspace !== '' || query.visibility !== '' || query.language !== '';
}

/**
 * A repository collection that answers queries quickly: it sorts once per order and keeps each
 * repository's lower-cased search text, so a keystroke costs one pass of `includes` checks.
 */
export function createRepositoryIndex() {
  let all: Repository[] = [];
  const haystacks = new WeakMap<Repository, string>();
  const times = new WeakMap<Repository, number>();
  const time = (repo: Repository) => times.get(repo) ?? 0;
  // ISO 8601 with differing offsets does not sort as text: compare instants, parsed once.
  const byUpdated = (a: Repository, b: Repository) => time(b) - time(a) || byName(a, b);
  const sorted = new Map<SortOrder, Repository[]>();
  // Facets are kept until the list changes, so an unchanged list gives the same arrays.
  let facets: { workspaces: Array<{ slug: string; name: string }>; languages: string[] } | null = null;
  // The last answer: typing one more letter only narrows it, so it is searched instead of everything.
  let last: { query: ListQuery; matches: Repository[] } | null = null;
  const changed = () => {
    sorted.clear();
    facets = null;
    last = null;
  };
  const computeFacets = () => {
    const workspaces = new Map<string, string>();
    const languages = new Map<string, string>();
    for (const repo of all) {
      workspaces.set(repo.workspace.slug, repo.workspace.name);
      if (repo.language) languages.set(repo.language.toLowerCase(), repo.language);
    }
    return {
      workspaces: [...workspaces].map(([slug, name]) => ({ slug, name })).sort((a, b) => collator.compare(a.name, b.name)),
      languages: [...languages.values()].sort(collator.compare),
    };
  };

  return {
    get size() {
      return all.length;
    },
    add(repositories: Repository[]): void {
      for (const repo of repositories) {
        all.push(repo);
        haystacks.set(repo, `${repo.name}\n${repo.description}`.toLowerCase());
        times.set(repo, Date.parse(repo.updated_on));
      }
      changed();
    },
    /** Removes every repository of a workspace (before it is loaded again). */
    removeWorkspace(slug: string): void {
      all = all.filter((repo) => repo.workspace.slug !== slug);
      changed();
    },
    all(): readonly Repository[] {
      return all;
    },
    /** The repositories matching the query, in its order. */
    query(query: ListQuery): Repository[] {
      let list = sorted.get(query.sort);
      if (!list) {
        list = [...all].sort(query.sort === 'name' ? byName : byUpdated);
        sorted.set(query.sort, list);
      }
      if (!isFiltering(query)) return list;
      if (last && narrows(last.query, query)) list = last.matches;
      const words = query.q.toLowerCase().split(/\s+/).filter(Boolean);
      const language = query.language.toLowerCase();
      const matches: Repository[] = [];
      for (const repo of list) {
        if (query.workspace && repo.workspace.slug !== query.workspace) continue;
        if (query.visibility && repo.is_private !== (query.visibility === 'private')) continue;
        if (language && repo.language.toLowerCase() !== language) continue;
        const haystack = haystacks.get(repo) ?? '';
        if (words.every((word) => haystack.includes(word))) matches.push(repo);
      }
      last = { query, matches };
      return matches;
    },
    /** The workspaces present, by name, for the workspace filter. */
    workspaces() {
      return (facets ??= computeFacets()).workspaces;
    },
    /** The languages present, for the language filter. */
    languages() {
      return (facets ??= computeFacets()).languages;
    },
  };
}

export type RepositoryIndex = ReturnType<typeof createRepositoryIndex>;

/** True when every match of `next` is a match of `previous`: the same filters, and more typed text. */
function narrows(previous: ListQuery, next: ListQuery): boolean {
  return (
    next.q.toLowerCase().startsWith(previous.q.toLowerCase()) &&
    JSON.stringify({ ...previous, q: '' }) === JSON.stringify({ ...next, q: '' })
  );
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function byName(a: Repository, b: Repository): number {
  return collator.compare(a.name, b.name) || collator.compare(a.full_name, b.full_name);
}
