/** The address sync: the filter read from the address, and written back (typing after a pause). */
import { describe, expect, it } from 'vitest';
import { createAddressSync, URL_UPDATE_DELAY_MS } from '../../src/address-sync.ts';
import { DEFAULT_QUERY } from '../../src/repo-filter.ts';

function setup(search = '') {
  const location = { pathname: '/app/', search, hash: '#top' };
  const urls: string[] = [];
  const timers: Array<{ task: () => void; ms: number; cleared: boolean }> = [];
  const sync = createAddressSync({
    location,
    replaceUrl: (url) => {
      urls.push(url);
      location.search = new URL(url, 'http://x').search;
    },
    setTimer: (task, ms) => {
      const timer = { task, ms, cleared: false };
      timers.push(timer);
      return () => void (timer.cleared = true);
    },
  });
  const fire = () => timers.filter((t) => !t.cleared).forEach((t) => ((t.cleared = true), t.task()));
  return { sync, urls, timers, fire };
}

describe('address sync', () => {
  it('reads the query from the address', () => {
    expect(setup('?q=api&sort=name&x=1').sync.query()).toEqual({ ...DEFAULT_QUERY, q: 'api', sort: 'name' });
  });

  it('writes typing once it pauses, keeping the path, other parameters and the fragment', () => {
    const { sync, urls, timers, fire } = setup('?x=1');
    sync.write({ ...DEFAULT_QUERY, q: 'a' });
    sync.write({ ...DEFAULT_QUERY, q: 'ap' });
    expect(urls).toEqual([]);
    expect(timers.map((t) => [t.ms, t.cleared])).toEqual([
      [URL_UPDATE_DELAY_MS, true],
      [URL_UPDATE_DELAY_MS, false],
    ]);
    fire();
    expect(urls).toEqual(['/app/?x=1&q=ap#top']);
  });

  it('writes a choice in a menu at once, dropping a write still waiting', () => {
    const { sync, urls, timers } = setup();
    sync.write({ ...DEFAULT_QUERY, q: 'a' });
    sync.write({ ...DEFAULT_QUERY, q: 'a', sort: 'name' });
    expect(urls).toEqual(['/app/?q=a&sort=name#top']);
    expect(timers[0]?.cleared).toBe(true);
  });

  it('stop drops a write still waiting', () => {
    const { sync, urls, timers } = setup();
    sync.write({ ...DEFAULT_QUERY, q: 'a' });
    sync.stop();
    expect(timers[0]?.cleared).toBe(true);
    expect(urls).toEqual([]);
  });
});
