/**
 * Reading Decap CMS's handshake page as a test sees it (relay/decap-page.ts): its data block, the
 * message it holds for each origin, and what a success message carries.
 */
import { expect } from 'vitest';
import { HANDSHAKE_DATA_ID } from '../../relay/decap-page.ts';

/** The data block of a handshake page. */
export interface HandshakeData {
  readonly messages: [string, string][];
  readonly sent: string;
  readonly noOpener: string;
  readonly timedOut: string;
  readonly timeoutMs: number;
}

/** Where Decap runs in these tests: the origins the relay allows, and the site_id Decap sends. */
export const DECAP_ORIGIN = 'https://cms.example.com';
export const OTHER_DECAP_ORIGIN = 'http://localhost:8080';
export const SITE_ID = 'cms.example.com';

/** The data block of `html`. */
export function handshakeData(html: string): HandshakeData {
  const block = new RegExp(`<script type="application/json" id="${HANDSHAKE_DATA_ID}">([^<]*)</script>`).exec(html)?.[1];
  expect(block, 'the page has its data block').toBeDefined();
  return JSON.parse(block ?? '') as HandshakeData;
}

/** The message the page holds for `origin`, if any. */
export function messageFor(data: HandshakeData, origin: string): string | undefined {
  return data.messages.find(([candidate]) => candidate === origin)?.[1];
}

/** The JSON of a message `authorization:bitbucket:<kind>:{…}`, which must be of `kind`. */
export function payloadOf(message: string | undefined, kind: 'success' | 'error'): Record<string, unknown> {
  const prefix = `authorization:bitbucket:${kind}:`;
  expect(message?.startsWith(prefix), `a ${kind} message: ${message}`).toBe(true);
  return JSON.parse((message ?? '').slice(prefix.length)) as Record<string, unknown>;
}

/** A refresh as Decap sends it: POST, its site's Origin, the sealed value in a form body. */
export function decapRefresh(
  sealed: string,
  options: { origin?: string | null; siteId?: string; relay?: string; query?: string; body?: string | null; contentType?: string } = {},
): Request {
  const headers = new Headers();
  const origin = options.origin === undefined ? DECAP_ORIGIN : options.origin;
  if (origin !== null) headers.set('origin', origin);
  const body = options.body === undefined ? new URLSearchParams({ refresh_token: sealed }).toString() : options.body;
  if (body !== null) headers.set('content-type', options.contentType ?? 'application/x-www-form-urlencoded');
  const query = options.query ?? new URLSearchParams({ provider: 'bitbucket', site_id: options.siteId ?? SITE_ID }).toString();
  return new Request(`${options.relay ?? 'http://localhost:3001'}/auth/refresh?${query}`, { method: 'POST', headers, body });
}
