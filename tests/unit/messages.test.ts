/**
 * Message ids are union types; each page holds exactly the templates of its ids. The lists below
 * are typed `Record<Id, true>`, so the type checker fails when an id is added to or removed from a
 * union without this list following, and the test fails when a page's templates do not match.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError, type Permission } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { apiMessage, type AppMessageId } from '../../src/messages.ts';
import { callbackMessage, type CallbackMessageId } from '../../src/views/callback.ts';
import { BOUNDS } from '../../packages/bitbucket-browser-auth/src/paginate.ts';

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
  REDIRECT_URI_ORIGIN: true,
  API_TOKEN_REFUSED: true,
  NO_SESSION: true,
  NOT_CONFIGURED: true,
  BAD_URL: true,
  SIGNED_OUT: true,
  SIGNED_OUT_ELSEWHERE: true,
  SIGN_OUT_INCOMPLETE: true,
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

describe('what the page tells a newcomer about Bitbucket Cloud today', () => {
  const html = readFileSync(resolve(import.meta.dirname, '../..', 'index.html'), 'utf8');
  const text = (fragment: string) => fragment.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  const notConfigured = text(/<template id="msg-NOT_CONFIGURED">(.*?)<\/template>/s.exec(html)?.[1] ?? '');
  const banner = text(/<aside id="demo-banner"[^>]*>(.*?)<\/aside>/s.exec(html)?.[1] ?? '');

  it.each([
    ['the demo banner', banner],
    ['the not-configured notice', notConfigured],
  ])('%s names the relay’s two variables and npm run start:today', (_where, words) => {
    expect(words).toContain('BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET');
    expect(words).toContain('npm run start:today');
  });

  it('the demo banner no longer sends anyone to VITE_BITBUCKET_CLIENT_ID, the implicit grant’s setting', () => {
    expect(banner).toContain('simulated Bitbucket');
    expect(banner).not.toContain('VITE_BITBUCKET_CLIENT_ID');
  });

  it('the not-configured notice names VITE_BITBUCKET_CLIENT_ID only with a relay of its own, for a build', () => {
    expect(notConfigured).toMatch(
      /A build has no dev server: it needs a relay of its own, and VITE_BITBUCKET_CLIENT_ID with the relay’s address/,
    );
    expect(notConfigured.match(/VITE_BITBUCKET_CLIENT_ID/g)).toHaveLength(1);
  });
});

describe('apiMessage: what a failed call is explained with', () => {
  const needs: Permission = { oauth: 'Repositories: Read', apiToken: 'read:repository:bitbucket' };

  it('names the path without its query, the status and Bitbucket’s own words', () => {
    expect(apiMessage(new ApiError('HTTP_ERROR', '/repositories/ws?pagelen=100&fields=x', 418, 'I am a teapot'))).toEqual({
      id: 'HTTP_ERROR',
      slots: { path: '/repositories/ws', status: '418', detail: 'I am a teapot' },
    });
  });

  it('leaves the status and the detail empty when the failure had none', () => {
    expect(apiMessage(new ApiError('NETWORK', '/user'))).toEqual({ id: 'NETWORK', slots: { path: '/user', status: '', detail: '' } });
  });

  it('a refusal names the permission the call declared it needs', () => {
    expect(apiMessage(new ApiError('FORBIDDEN', '/user/workspaces', 403, undefined, needs)).slots).toEqual({
      path: '/user/workspaces',
      status: '403',
      detail: '',
      permission: 'Repositories: Read',
      scope: 'read:repository:bitbucket',
    });
  });

  it('a refusal for missing scopes names each scope required and each granted, or none', () => {
    const scopes = (required: string[], granted: string[]) =>
      apiMessage(new ApiError('FORBIDDEN', '/user', 403, 'no', needs, { required, granted }));
    expect(scopes(['read:user:bitbucket', 'read:workspace:bitbucket'], ['read:me', 'read:repository:bitbucket'])).toEqual({
      id: 'FORBIDDEN_SCOPE',
      slots: {
        path: '/user',
        status: '403',
        detail: 'no',
        required: 'read:user:bitbucket, read:workspace:bitbucket',
        granted: 'read:me, read:repository:bitbucket',
      },
    });
    expect(scopes(['read:user:bitbucket'], []).slots?.granted).toBe('none');
  });

  it('only a refusal is explained by scopes: any other failure keeps its own message', () => {
    const error = new ApiError('NOT_FOUND', '/user', 404, undefined, undefined, { required: ['read:user:bitbucket'], granted: [] });
    expect(apiMessage(error).id).toBe('NOT_FOUND');
  });
});

describe('callbackMessage: one explanation per kind of refused sign-in', () => {
  it.each([
    ['STATE_MISSING', 'STATE_INVALID'],
    ['STATE_MISMATCH', 'STATE_INVALID'],
    ['TOKEN_MISSING', 'TOKEN_INVALID'],
    ['EXPIRES_IN_INVALID', 'TOKEN_INVALID'],
    ['NO_PENDING_SIGN_IN', 'NO_PENDING_SIGN_IN'],
  ] as const)('%s is told as %s, naming no error from Bitbucket', (code, id) => {
    expect(callbackMessage(code)).toEqual({ id, slots: { error: 'unknown' } });
  });

  it.each([
    ['server_error', 'OAUTH_UNAVAILABLE'],
    ['temporarily_unavailable', 'OAUTH_UNAVAILABLE'],
    ['not_server_error', 'OAUTH_ERROR'],
    ['server_error_2', 'OAUTH_ERROR'],
    ['invalid_scope', 'OAUTH_ERROR'],
  ] as const)('Bitbucket’s error %j is told as %s, quoting it', (oauthError, id) => {
    expect(callbackMessage('OAUTH_ERROR', oauthError)).toEqual({ id, slots: { error: oauthError } });
  });
});
