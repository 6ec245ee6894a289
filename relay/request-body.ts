/**
 * Whether a request brings a body. The relay takes none on its routes but one (Decap CMS's refresh
 * form, read only up to its bound in relay/decap-routes.ts): it has nothing to read, and a body not
 * read is one nobody can make it wait for.
 */

/** True when `request` has or announces a body; `Content-Length: 0` (a POST from fetch without one) is none. */
export function hasBody(request: Request): boolean {
  if (request.headers.has('transfer-encoding')) return true;
  const length = request.headers.get('content-length');
  // The header counts first: workerd passes an empty stream with a length of 0.
  if (length !== null) return length !== '0';
  return request.body !== null;
}
