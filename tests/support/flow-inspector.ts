/** Readers of the Flow inspector's markup for the DOM tests (tests/dom/flow-inspector*.test.ts). */
import { within } from '@testing-library/dom';
import type { ApiRequest } from '../../src/flow-record.ts';

/**
 * The text of `element` as read, with each `<time>` written as `[its datetime]`: the times are
 * shown in the reader's local time, their `datetime` is the instant itself.
 */
export function readText(element: Element): string {
  const copy = element.cloneNode(true) as Element;
  for (const time of copy.querySelectorAll('time')) time.replaceWith(`[${time.dateTime}]`);
  return copy.textContent ?? '';
}

/** The inspector's section under the heading `name`. */
export function sectionOf(root: HTMLElement, name: string | RegExp): HTMLElement {
  return within(root).getByRole('heading', { level: 3, name }).closest('section') as HTMLElement;
}

/** Each body row of `table` as the texts of its header and cells. */
export function tableRows(table: HTMLElement): string[][] {
  return [...table.querySelectorAll('tbody tr')].map((row) => [...row.children].map((cell) => cell.textContent ?? ''));
}

/** The query under a request's label, with `|` where a line may break. */
export function breaks(element: Element): string {
  return [...element.childNodes].map((node) => (node.nodeName === 'WBR' ? '|' : node.textContent)).join('');
}

/** A GET of `https://api.example/2.0{path}` at `start`, answered 100 ms later with a 200 unless `outcome` says otherwise. */
export function apiRequest(path: string, start: number, outcome: Partial<ApiRequest> = {}): ApiRequest {
  return { method: 'GET', url: `https://api.example/2.0${path}`, start, end: start + 100, status: 200, ...outcome };
}

/**
 * requestIdleCallback and cancelIdleCallback of a page the test makes idle (`idle()`), or keeps
 * busy: then a callback runs only at its `timeout`, if it was given one. Install with vi.stubGlobal.
 */
export function idleCallbacks() {
  const pending = new Map<number, { task: IdleRequestCallback; timer: ReturnType<typeof setTimeout> | undefined }>();
  let last = 0;
  const run = (id: number) => {
    const callback = pending.get(id);
    if (!callback) return;
    cancelIdleCallback(id);
    callback.task({ didTimeout: false, timeRemaining: () => 0 });
  };
  const cancelIdleCallback = (id: number) => {
    clearTimeout(pending.get(id)?.timer);
    pending.delete(id);
  };
  const requestIdleCallback = (task: IdleRequestCallback, options?: IdleRequestOptions) => {
    const id = ++last;
    const timeout = options?.timeout;
    pending.set(id, { task, timer: timeout === undefined ? undefined : setTimeout(() => run(id), timeout) });
    return id;
  };
  return {
    requestIdleCallback,
    cancelIdleCallback,
    /** The page has a moment: every callback waiting runs. */
    idle: () => [...pending.keys()].forEach(run),
    get pending() {
      return pending.size;
    },
  };
}
