/**
 * The loaded list, kept for the session so that a reload shows it at once (and then refreshes
 * it). sessionStorage, like the token: it goes when the tab closes or the user signs out.
 */
import type { Repository, User } from './api-shapes.ts';
import type { KeyValueStorage } from 'bitbucket-browser-auth';

// The version in the key keeps a list cached by an older version of the app from being read.
const CACHE_KEY = 'bitbucket-starter:repositories:v1';

export interface CachedList {
  user: User;
  repositories: Repository[];
}

/** The cache of the repository list in `storage`. */
export function createRepositoryCache(storage: KeyValueStorage) {
  return {
    load(): CachedList | null {
      try {
        const list = JSON.parse(storage.getItem(CACHE_KEY) ?? 'null') as CachedList | null;
        // Written by this app from checked data, in this tab only: a look at the outline is enough.
        // Stryker disable next-line OptionalChaining: without it a missing part throws, and the catch below gives null too.
        return typeof list?.user?.display_name === 'string' && Array.isArray(list.repositories) ? list : null;
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
