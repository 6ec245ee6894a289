/**
 * The loaded list, kept for the session so that a reload shows it at once (and then refreshes
 * it). sessionStorage, like the token: it goes when the tab closes or the user signs out.
 */
import type { Repository, User } from './api-shapes.ts';
import type { KeyValueStorage } from './session.ts';

const CACHE_KEY = 'bitbucket-starter:repositories';

export interface CachedList {
  user: User;
  repositories: Repository[];
}

/** The cache of the repository list in `storage`. */
export function createRepositoryCache(storage: KeyValueStorage) {
  return {
    load(): CachedList | null {
      try {
        const value: unknown = JSON.parse(storage.getItem(CACHE_KEY) ?? 'null');
        // Written by this app from checked data; a quick look at the shape catches tampering or an old format.
        if (typeof value !== 'object' || value === null || !('user' in value) || !('repositories' in value)) return null;
        const { user, repositories } = value as CachedList;
        if (typeof user?.display_name !== 'string' || !Array.isArray(repositories)) return null;
        return repositories.every(isRepository) ? { user, repositories } : null;
      } catch {
        return null;
      }
    },
    save(list: CachedList): void {
      try {
        storage.setItem(CACHE_KEY, JSON.stringify(list));
      } catch {
        // Over the storage quota (tens of thousands of repositories): the cache is only a speed-up.
        storage.removeItem(CACHE_KEY);
      }
    },
    clear(): void {
      storage.removeItem(CACHE_KEY);
    },
  };
}

export type RepositoryCache = ReturnType<typeof createRepositoryCache>;

function isRepository(value: unknown): value is Repository {
  const repo = value as Repository;
  return (
    typeof repo === 'object' &&
    repo !== null &&
    typeof repo.uuid === 'string' &&
    typeof repo.name === 'string' &&
    typeof repo.full_name === 'string' &&
    typeof repo.is_private === 'boolean' &&
    typeof repo.language === 'string' &&
    typeof repo.description === 'string' &&
    typeof repo.updated_on === 'string' &&
    (repo.html_href === null || typeof repo.html_href === 'string') &&
    typeof repo.workspace?.slug === 'string' &&
    typeof repo.workspace.name === 'string'
  );
}
