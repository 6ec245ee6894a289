/**
 * Requests and responses as plain values. Handlers are functions from a `SimRequest` to a
 * `SimResponse`, so they can be read (and tested) without a socket; `server.ts` does the I/O.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FaultRule } from './faults.ts';
import type { BitbucketError } from './wire-types.ts';

/** An incoming request, its body already read. */
export interface SimRequest {
  method: string;
  /** Absolute, on the server's public origin. */
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  /** Fault rules that change the list page this request gets ('endless-next', 'size'). */
  shaping?: readonly FaultRule[];
}

/** A complete answer. `Content-Length` is added when it is written. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Set by a fault that stands for a proxy in front of the API: no CORS headers are added. */
  withoutCors?: true;
}

/** Close the connection without answering (the `drop` fault). */
export const DROP = 'drop';

/** What a handler may produce. */
export type Outcome = SimResponse | typeof DROP;

/** A handler for one server. */
export type Handler = (request: SimRequest) => Outcome | Promise<Outcome>;

/** How a list endpoint pages: its default `pagelen`, and whether its pages leave out `size`. */
export interface ListShape {
  defaultPagelen?: number;
  withoutSize?: boolean;
}

/**
 * What an API route produces before pagination and `fields`: one object, a list to page, or an
 * answer already made (an error, a file's raw text). `headers` go on the answer.
 */
export type RouteResult =
  | { kind: 'object'; body: unknown; headers?: Record<string, string> }
  | { kind: 'list'; items: readonly unknown[]; shape?: ListShape; headers?: Record<string, string> }
  | { kind: 'response'; response: SimResponse };

/** A JSON answer in Bitbucket's content type. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** Bitbucket's error body: `{"type":"error","error":{"message","detail"}}`. */
export function errorBody(message: string, detail?: unknown, data?: Record<string, unknown>): BitbucketError {
  const error: BitbucketError['error'] = { message };
  if (detail !== undefined) error.detail = detail;
  if (data !== undefined) error.data = data;
  return { type: 'error', error };
}

/** A JSON error answer. */
export function apiError(status: number, message: string, detail?: unknown): SimResponse {
  return json(status, errorBody(message, detail));
}

/** An HTML page. */
export function html(status: number, body: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers }, body };
}

/** A plain-text answer. */
export function text(status: number, body: string): SimResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}

/** An empty answer, e.g. 204. */
export function empty(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers, body: '' };
}

/** A redirect that the browser follows with GET (303 See Other, also right after a POST). */
export function redirect(location: string, headers: Record<string, string> = {}): SimResponse {
  return { status: 303, headers: { Location: location, ...headers }, body: '' };
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** The single value of a header (Node joins repeated ones; `set-cookie` is an array). */
export function header(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}
