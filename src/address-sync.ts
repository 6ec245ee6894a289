/**
 * The list's filter in the address bar: read once at start, written back as it changes, so that
 * a reload or a shared link keeps it. Typing is written once it pauses (writing history on every
 * keystroke is slow); a choice in a menu goes there at once.
 */
import { readListQuery, writeListQuery, type ListQuery } from './repo-filter.ts';

export interface AddressSyncDeps {
  location: Pick<Location, 'pathname' | 'search' | 'hash'>;
  replaceUrl: (url: string) => void;
  setTimer: (task: () => void, ms: number) => () => void;
}

/** How long typing must pause before the filter is written into the address. */
export const URL_UPDATE_DELAY_MS = 300;

/** Keeps the address in step with the list's query. */
export function createAddressSync(deps: AddressSyncDeps) {
  const { location } = deps;
  let last = readListQuery(location.search);
  let cancel = () => {};
  return {
    /** The query in the address now. */
    query: (): ListQuery => readListQuery(location.search),
    /** Writes `query` into the address: after a pause when only the words changed, at once otherwise. */
    write(query: ListQuery): void {
      // One event changes one field: when it is the words, the user is typing.
      const typing = query.q !== last.q;
      last = query;
      // Other parameters and the fragment are kept as they are in the address when it is written.
      const write = () => deps.replaceUrl(`${location.pathname}${writeListQuery(query, location.search)}${location.hash}`);
      cancel();
      cancel = typing ? deps.setTimer(write, URL_UPDATE_DELAY_MS) : (write(), () => {});
    },
    /** Drops a write still waiting. */
    stop(): void {
      cancel();
    },
  };
}
