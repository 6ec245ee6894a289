/**
 * Message ids are union types; each page holds exactly the templates of its ids. The lists below
 * are typed `Record<Id, true>`, so the type checker fails when an id is added to or removed from a
 * union without this list following, and the test fails when a page's templates do not match.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppMessageId } from '../../src/messages.ts';
import type { CallbackMessageId } from '../../src/views/callback.ts';
import { BOUNDS } from '../../src/paginate.ts';

const APP_IDS: Record<AppMessageId, true> = {
  UNAUTHORIZED: true,
  FORBIDDEN: true,
  PAGE_LIMIT: true,
  VALUE_LIMIT: true,
  LOAD_LIMIT: true,
  NOT_FOUND: true,
  ENDPOINT_REMOVED: true,
  GONE: true,
  FORBIDDEN_SCOPE: true,
  RATE_LIMITED: true,
  SERVER_ERROR: true,
  HTTP_ERROR: true,
  NETWORK: true,
  BAD_RESPONSE: true,
  ABORTED: true,
  RETRY_RATE_LIMITED: true,
  RETRY_SERVER_ERROR: true,
  RETRY_NETWORK: true,
  RETRY_OFFLINE: true,
  INSECURE_ORIGIN: true,
  NOT_CONFIGURED: true,
  BAD_URL: true,
  SIGNED_OUT: true,
  SIGNED_OUT_ELSEWHERE: true,
  SESSION_EXPIRED: true,
  API_TOKEN_REJECTED: true,
  REFRESHING: true,
  UNEXPECTED: true,
};

const CALLBACK_IDS: Record<CallbackMessageId, true> = {
  ACCESS_DENIED: true,
  GRANT_UNSUPPORTED: true,
  OAUTH_ERROR: true,
  OAUTH_UNAVAILABLE: true,
  NO_RESPONSE: true,
  NO_PENDING_SIGN_IN: true,
  STATE_INVALID: true,
  REPEATED_PARAMETER: true,
  TOKEN_INVALID: true,
};

/** The ids of a page's `<template id="msg-…">` elements. */
function templateIds(page: string): string[] {
  const html = readFileSync(resolve(import.meta.dirname, '../..', page), 'utf8');
  return [...html.matchAll(/<template id="msg-([^"]+)"/g)].map((match) => match[1] ?? '');
}

describe('message templates', () => {
  it.each([
    ['index.html', APP_IDS],
    ['oauth-callback.html', CALLBACK_IDS],
  ])('%s has a template for every id it shows, and none that is never used', (page, ids) => {
    const templates = templateIds(page);
    expect(new Set(templates).size, 'a template id is repeated').toBe(templates.length);
    expect(templates.sort()).toEqual(Object.keys(ids).sort());
  });
});

describe('the bounds, as the messages say them', () => {
  const html = readFileSync(resolve(import.meta.dirname, '../..', 'index.html'), 'utf8');
  const words = (id: string) => [...html.matchAll(/<template id="msg-([^"]+)">(.*?)<\/template>/g)].find((m) => m[1] === id)?.[2];
  it.each([
    ['PAGE_LIMIT', BOUNDS.pagesPerList, 'pages'],
    ['VALUE_LIMIT', BOUNDS.valuesPerList, 'repositories'],
    ['LOAD_LIMIT', BOUNDS.pagesPerLoad, 'pages'],
  ])('%s says %d %s, the bound in src/paginate.ts', (id, bound, unit) => {
    expect(words(id)).toContain(`${bound.toLocaleString('en-US')} ${unit}`);
  });
});
