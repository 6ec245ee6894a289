import { describe, expect, it } from 'vitest';
import { readCallback, type CallbackErrorCode } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import type { PendingSignIn } from '../../packages/bitbucket-browser-auth/src/session.ts';

const NOW = 1_800_000_000_000;
const pending: PendingSignIn = { state: 'expected-state', returnTo: '/?q=api', createdAt: NOW - 1000 };
const good = 'access_token=tok-123&token_type=bearer&expires_in=7200&scopes=account+repository&state=expected-state';

function read(hash: string, search = '', stored: PendingSignIn | null = pending) {
  return readCallback({ hash, search }, stored, NOW);
}

describe('readCallback accepts', () => {
  it('a complete implicit-grant answer, with an absolute expiry and the scopes', () => {
    expect(read(`#${good}`)).toEqual({
      ok: true,
      credentials: {
        kind: 'bearer',
        accessToken: 'tok-123',
        expiresAt: NOW + 7200 * 1000,
        obtainedAt: NOW,
        scopes: ['account', 'repository'],
      },
      returnTo: '/?q=api',
    });
  });

  it.each([
    ['scopes (until May 2026)', 'scopes=account%20repository'],
    ['scope (since May 2026)', 'scope=account%20repository'],
  ])('the scope spelled %s', (_name, scope) => {
    const result = read(`#access_token=t&token_type=bearer&expires_in=3600&${scope}&state=expected-state`);
    expect(result.ok && result.credentials.scopes).toEqual(['account', 'repository']);
  });

  it('token_type in any case', () => {
    expect(read(`#${good.replace('bearer', 'Bearer')}`).ok).toBe(true);
  });
});

describe('readCallback refuses', () => {
  const cases: Array<[string, string, string, PendingSignIn | null, CallbackErrorCode]> = [
    [
      'access denied in the fragment',
      '#error=access_denied&error_description=User+cancelled&state=expected-state',
      '',
      pending,
      'ACCESS_DENIED',
    ],
    ['access denied in the query', '', '?error=access_denied&state=expected-state', pending, 'ACCESS_DENIED'],
    ['an unsupported response type', '#error=unsupported_response_type&state=expected-state', '', pending, 'GRANT_UNSUPPORTED'],
    ['an unauthorized client in the query', '', '?error=unauthorized_client', pending, 'GRANT_UNSUPPORTED'],
    ['another OAuth error', '#error=server_error', '', pending, 'OAUTH_ERROR'],
    ['an empty callback', '', '', pending, 'NO_RESPONSE'],
    ['a token without state', `#${good.replace('&state=expected-state', '')}`, '', pending, 'STATE_MISSING'],
    ['an empty state', `#${good.replace('state=expected-state', 'state=')}`, '', pending, 'STATE_MISSING'],
    ['a wrong state', `#${good.replace('expected-state', 'forged')}`, '', pending, 'STATE_MISMATCH'],
    ['a state when none was stored', `#${good}`, '', null, 'NO_PENDING_SIGN_IN'],
    ['a missing token', `#${good.replace('access_token=tok-123&', '')}`, '', pending, 'TOKEN_MISSING'],
    ['an empty token', `#${good.replace('tok-123', '')}`, '', pending, 'TOKEN_MISSING'],
    ['a token with a space', `#${good.replace('tok-123', 'tok%20123')}`, '', pending, 'TOKEN_INVALID'],
    ['a token with a newline', `#${good.replace('tok-123', 'tok%0A123')}`, '', pending, 'TOKEN_INVALID'],
    ['a mac token', `#${good.replace('bearer', 'mac')}`, '', pending, 'TOKEN_TYPE_UNSUPPORTED'],
    ['no token type', `#${good.replace('token_type=bearer&', '')}`, '', pending, 'TOKEN_TYPE_UNSUPPORTED'],
    ['a zero lifetime', `#${good.replace('7200', '0')}`, '', pending, 'EXPIRES_IN_INVALID'],
    ['a negative lifetime', `#${good.replace('7200', '-5')}`, '', pending, 'EXPIRES_IN_INVALID'],
    ['a fractional lifetime', `#${good.replace('7200', '1.5')}`, '', pending, 'EXPIRES_IN_INVALID'],
    ['a lifetime that is not a number', `#${good.replace('7200', 'soon')}`, '', pending, 'EXPIRES_IN_INVALID'],
    ['no lifetime', `#${good.replace('expires_in=7200&', '')}`, '', pending, 'EXPIRES_IN_INVALID'],
    ['a repeated token', `#${good}&access_token=other`, '', pending, 'REPEATED_PARAMETER'],
    ['a repeated state', `#${good}&state=expected-state`, '', pending, 'REPEATED_PARAMETER'],
    ['both scope spellings', `#${good}&scope=account`, '', pending, 'REPEATED_PARAMETER'],
    ['a repeated error', '#error=access_denied&error=server_error', '', pending, 'REPEATED_PARAMETER'],
    ['a repeated error in the query', '', '?error=access_denied&error=server_error', pending, 'REPEATED_PARAMETER'],
  ];

  it('drops only the "?" that starts the query: a later one is part of a name', () => {
    // Not "error" twice (which would be refused as repeated) but "error" and "?error".
    expect(read('', '?error=access_denied&?error=x')).toMatchObject({ ok: false, code: 'ACCESS_DENIED' });
  });

  it.each(cases)('%s', (_name, hash, search, stored, code) => {
    const result = read(hash, search, stored);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe(code);
  });

  it('an error even when a token is also present (the server said no)', () => {
    expect(read(`#${good}&error=access_denied`)).toMatchObject({ ok: false, code: 'ACCESS_DENIED' });
  });

  it('repeats a code-like error but never the description (anyone can write words into a link)', () => {
    expect(read('#error=server_error&error_description=Call+this+number')).toEqual({
      ok: false,
      code: 'OAUTH_ERROR',
      oauthError: 'server_error',
    });
    expect(read(`#error=${encodeURIComponent('Your account is locked, call +1 555')}`)).toEqual({
      ok: false,
      code: 'OAUTH_ERROR',
      oauthError: 'unknown',
    });
    expect(read(`#error=${'x'.repeat(300)}`)).toEqual({ ok: false, code: 'OAUTH_ERROR', oauthError: 'unknown' });
  });
});
