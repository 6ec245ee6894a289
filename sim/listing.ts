/**
 * Paginated list endpoints: filter (`q`), sort (`sort`), then cut one page (`page` or `cursor`,
 * `pagelen`) and wrap it in Bitbucket's envelope.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination
 */
import { parseQuery, valueAt } from './query.ts';

/** How pages are numbered and described. */
export interface PageOptions {
  /** 'page': `next` = `…?page=N`; 'cursor': `next` carries an opaque `cursor=`. */
  pagination: 'page' | 'cursor';
  /** Leave out `size`, `page` and `previous`. */
  omitSize: boolean;
  /** This endpoint's absolute URL without the query, the base of `next` and `previous`. */
  baseUrl: string;
  /**
   * The 'endless-next' fault: every page has a `next`, never seen before; a page past the data
   * holds the one item this makes for its offset (none when it returns undefined).
   */
  endless?: (offset: number) => unknown;
  /** `pagelen` when none is asked for; 10 unless the endpoint has its own (commits: 30). */
  defaultPagelen?: number;
}

/** Bitbucket's page envelope. Only `values` and `next` are guaranteed. */
export interface PageBody {
  pagelen: number;
  size?: number;
  page?: number;
  next?: string;
  previous?: string;
  values: unknown[];
}

/** A page, or a 400 explaining which parameter was wrong. */
export type ListOutcome = { ok: true; body: PageBody } | { ok: false; message: string; detail: string };

/** Default, minimum and maximum `pagelen`; values outside are clamped. */
export const PAGELEN = { default: 10, min: 10, max: 100 } as const;

/** Filters, sorts and pages `items` according to the request's query parameters. */
export function listPage(items: readonly unknown[], query: URLSearchParams, options: PageOptions): ListOutcome {
  let selected = items;

  const q = query.get('q');
  if (q !== null && q.trim() !== '') {
    const parsed = parseQuery(q);
    if (!parsed.ok) return { ok: false, message: 'Invalid query', detail: parsed.message };
    selected = selected.filter(parsed.matches);
  }

  const sort = query.get('sort');
  if (sort !== null && sort !== '') {
    const descending = sort.startsWith('-');
    const path = descending ? sort.slice(1) : sort;
    if (selected.length > 0 && selected.every((item) => valueAt(item, path) === undefined)) {
      return { ok: false, message: 'Invalid sort field', detail: `'${path}' is not a field of these objects.` };
    }
    const sign = descending ? -1 : 1;
    // Array.prototype.sort is stable, so equal keys keep their default order.
    selected = [...selected].sort((a, b) => compareValues(valueAt(a, path), valueAt(b, path), sign));
  }

  const pagelen = readPagelen(query.get('pagelen'), options.defaultPagelen ?? PAGELEN.default);
  if (pagelen === undefined) return { ok: false, message: 'Invalid pagelen', detail: 'pagelen must be an integer.' };

  const offset = options.pagination === 'cursor' ? readCursor(query.get('cursor')) : readPage(query.get('page'), pagelen);
  if (offset === undefined) {
    return options.pagination === 'cursor'
      ? { ok: false, message: 'Invalid cursor', detail: 'Follow the next link as it is; do not build cursors.' }
      : { ok: false, message: 'Invalid page', detail: 'page must be a positive integer.' };
  }

  let values = selected.slice(offset, offset + pagelen);
  const hasNext = options.endless !== undefined || offset + pagelen < selected.length;
  const extra = values.length === 0 ? options.endless?.(offset) : undefined;
  if (extra !== undefined) values = [extra];
  const head: Omit<PageBody, 'values'> = { pagelen };
  if (!options.omitSize) head.size = selected.length;

  if (options.pagination === 'cursor') {
    // Cursor pages have no number and no way back.
    if (hasNext) head.next = linkTo(options.baseUrl, query, { cursor: encodeCursor(offset + pagelen) });
  } else {
    const page = offset / pagelen + 1;
    if (!options.omitSize) head.page = page;
    if (hasNext) head.next = linkTo(options.baseUrl, query, { page: String(page + 1) });
    if (!options.omitSize && page > 1) head.previous = linkTo(options.baseUrl, query, { page: String(page - 1) });
  }
  // `values` last, so that the page's description reads first in a terminal.
  return { ok: true, body: { ...head, values } };
}

// Non-numbers are an error; numbers out of range are clamped to [10, 100].
function readPagelen(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) return undefined;
  return Math.min(PAGELEN.max, Math.max(PAGELEN.min, Number(raw)));
}

function readPage(raw: string | null, pagelen: number): number | undefined {
  if (raw === null || raw === '') return 0;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) return undefined;
  return (Number(raw) - 1) * pagelen;
}

/** Makes an opaque cursor: clients must only follow `next`, never build one. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ v: 1, offset })).toString('base64url');
}

function readCursor(raw: string | null): number | undefined {
  if (raw === null || raw === '') return 0;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    const offset = valueAt(decoded, 'offset');
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

// Keeps every other parameter (fields, pagelen, sort, q…) and replaces the position.
function linkTo(baseUrl: string, query: URLSearchParams, position: { page?: string; cursor?: string }): string {
  const params = new URLSearchParams(query);
  params.delete('cursor');
  if (position.cursor !== undefined) {
    params.delete('page');
    params.set('cursor', position.cursor);
  }
  if (position.page !== undefined) params.set('page', position.page);
  return `${baseUrl}?${params.toString()}`;
}

// Numbers by value, anything else by its text (UTF-16 code units, as `<` does); missing and null last.
function compareValues(a: unknown, b: unknown, sign: number): number {
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  const left = typeof a === 'string' ? a : JSON.stringify(a);
  const right = typeof b === 'string' ? b : JSON.stringify(b);
  return sign * (left < right ? -1 : left > right ? 1 : 0);
}
