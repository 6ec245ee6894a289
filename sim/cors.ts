/**
 * CORS as api.bitbucket.org does it: any origin, no credentials, a fixed list of request headers,
 * and only a few response headers readable by scripts.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import { empty, header } from './http.ts';
import type { SimRequest, SimResponse } from './http.ts';

/** Request headers a cross-origin script may send (Bitbucket's documented list). */
export const ALLOWED_REQUEST_HEADERS = [
  'Accept',
  'Authorization',
  'Content-Type',
  'If-Match',
  'If-Modified-Since',
  'If-None-Match',
  'If-Unmodified-Since',
  'Origin',
  'Range',
] as const;

/** Response headers a cross-origin script may read, besides the always-safe ones. */
export const EXPOSED_RESPONSE_HEADERS = 'Accept-Ranges, Content-Encoding, Content-Length, Content-Type, ETag, Last-Modified';

/** Methods the API answers to cross-origin. */
export const ALLOWED_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

/** Adds the headers every API answer carries, errors included (not a proxy's, see FaultRule.cors). */
export function withCors(response: SimResponse): SimResponse {
  if (response.withoutCors) return response;
  return {
    ...response,
    headers: {
      ...response.headers,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': EXPOSED_RESPONSE_HEADERS,
    },
  };
}

/**
 * Answers a preflight. A request header outside the list (say `User-Agent` or `X-Custom`) gets a
 * 403 with no CORS headers at all, so the browser blocks the real request, as on Bitbucket.
 * No `Access-Control-Max-Age`: every distinct URL costs a preflight.
 */
export function answerPreflight(request: SimRequest): SimResponse {
  const allowedMethods = ALLOWED_METHODS.split(', ');
  const method = header(request, 'access-control-request-method');
  const requested = (header(request, 'access-control-request-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const allowed = new Set(ALLOWED_REQUEST_HEADERS.map((name) => name.toLowerCase()));
  const headersOk = requested.every((name) => allowed.has(name));
  const methodOk = method === undefined || allowedMethods.includes(method.toUpperCase());
  if (!headersOk || !methodOk) return empty(403);
  return empty(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_REQUEST_HEADERS.join(', '),
  });
}
