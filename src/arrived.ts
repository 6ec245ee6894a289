/**
 * The "just signed in" mark: the callback page sets it, the app page takes it once, so that focus
 * goes to the heading after a sign-in (and not after a plain reload).
 */
import type { KeyValueStorage } from 'bitbucket-browser-auth';

const ARRIVED_KEY = 'bitbucket-starter:just-signed-in';

/** Marks that a sign-in has just completed in this tab. */
export function markArrived(storage: KeyValueStorage): void {
  storage.setItem(ARRIVED_KEY, '1');
}

/** True once after a sign-in completed in this tab; the mark is gone after. */
export function takeArrived(storage: KeyValueStorage): boolean {
  const arrived = storage.getItem(ARRIVED_KEY) === '1';
  storage.removeItem(ARRIVED_KEY);
  return arrived;
}
