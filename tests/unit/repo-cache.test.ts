/** The list kept for the session: read back only when it has the shape this app writes, dropped when it does not fit. */
import { describe, expect, it } from 'vitest';
import { createRepositoryCache, type CachedList } from '../../src/repo-cache.ts';
import { memoryStorage } from '../support/memory-storage.ts';

const KEY = 'bitbucket-starter:repositories:v1';
const list: CachedList = { user: { display_name: 'Ada' }, repositories: [] };

describe('repository cache', () => {
  it('gives back what it saved', () => {
    const cache = createRepositoryCache(memoryStorage());
    expect(cache.load()).toBeNull();
    cache.save(list);
    expect(cache.load()).toEqual(list);
  });

  it.each([
    ['not JSON', '{'],
    ['no user', '{"repositories":[]}'],
    ['a user without a name', '{"user":{},"repositories":[]}'],
    ['a name that is not text', '{"user":{"display_name":7},"repositories":[]}'],
    ['repositories that are not a list', '{"user":{"display_name":"Ada"},"repositories":{}}'],
  ])('reads nothing from a stored value with %s', (_what, stored) => {
    const storage = memoryStorage();
    storage.setItem(KEY, stored);
    expect(createRepositoryCache(storage).load()).toBeNull();
  });

  it('a list too big for the storage quota leaves no older list behind', () => {
    const storage = memoryStorage();
    storage.setItem(KEY, JSON.stringify(list));
    const full = {
      ...storage,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    };
    const cache = createRepositoryCache(full);
    cache.save({ ...list, user: { display_name: 'Grace' } });
    expect(cache.load()).toBeNull();
    expect(storage.size).toBe(0);
  });
});
