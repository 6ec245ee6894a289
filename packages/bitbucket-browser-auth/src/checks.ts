/**
 * The building blocks of response checks: untrusted JSON becomes typed data through these, or is
 * refused with `BAD_RESPONSE`. A check of an endpoint's answer is made of them, e.g.
 * `(json, path) => ({ name: text(record(json, path).name, path) })`.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/
 */
import { ApiError } from './client.js';

/** A JSON object whose fields are not checked yet. */
export type Json = Record<string, unknown>;

/** One page of a paginated list. Only `values` and `next` are guaranteed by Bitbucket. */
export interface Page<T> {
  values: T[];
  next?: string;
  size?: number;
  page?: number;
  pagelen?: number;
}

/** Refuses the answer for `path` as `BAD_RESPONSE`. */
export function bad(path: string): never {
  throw new ApiError('BAD_RESPONSE', path);
}

/** The value as a JSON object, or `BAD_RESPONSE`. */
export function record(value: unknown, path: string): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : bad(path);
}

/** The value as a string, or `BAD_RESPONSE`. */
export function text(value: unknown, path: string): string {
  return typeof value === 'string' ? value : bad(path);
}

/** A string field Bitbucket may send as `null` or leave out (`description`, `language`): `''` then. */
export function optionalText(value: unknown, path: string): string {
  return value === undefined || value === null ? '' : text(value, path);
}

/**
 * Checks a page envelope (`next`, `size`, `page`, `pagelen`, and that `values` is a list) but not
 * its values: what the paginator needs to send the next requests before the values are read.
 */
export function readEnvelope(json: unknown, path: string): Page<unknown> {
  const page = record(json, path);
  if (!Array.isArray(page.values)) bad(path);
  const result: Page<unknown> = { values: page.values };
  if (page.next != null) result.next = text(page.next, path);
  for (const key of ['size', 'page', 'pagelen'] as const) {
    const count = page[key];
    if (count == null) continue;
    result[key] = typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : bad(path);
  }
  return result;
}

/** The link, when it is an absolute URL with one of the allowed schemes and no user info; otherwise null. */
export function safeLink(value: unknown, protocols: readonly string[]): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    // `https://bitbucket.org@evil.example/` reads as Bitbucket's and goes elsewhere: no user info.
    return protocols.includes(url.protocol) && !url.username && !url.password ? url.href : null;
  } catch {
    return null;
  }
}
