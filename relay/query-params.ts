/**
 * Reading the relay's query parameters: one value each, or a refusal. Shared by every route that
 * reads a query (/authorize, /callback, and Decap CMS's /auth and /auth/refresh).
 */

/** One parameter: its single value, or that it is missing (or empty) or repeated. */
export type Param = { readonly status: 'present'; readonly value: string } | { readonly status: 'missing' | 'repeated' };

/** RFC 6749 §4.1.2.1: `error` and `error_description` use printable ASCII without `"` and `\`. */
export const OAUTH_ERROR_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,500}$/;

/** Reads the one value of `name`; an empty one counts as missing. */
export function readParam(params: URLSearchParams, name: string): Param {
  const values = params.getAll(name);
  // A repeated parameter is refused rather than guessed at: which copy wins differs between parsers.
  if (values.length > 1) return { status: 'repeated' };
  const value = values[0];
  return value === undefined || value === '' ? { status: 'missing' } : { status: 'present', value };
}
