// @vitest-environment node
// The token endpoint call on its own: the request the relay sends, and how it reads every kind of
// answer. The relay's tests (relay.test.ts) show the same outcomes as the app sees them.
import { describe, expect, it } from 'vitest';
import { exchangeCode, processTokenResponse, tokenRequest } from '../../relay/token-exchange.ts';
import type { TokenExchangeResult, TokenFailureCode } from '../../relay/token-exchange.ts';
import { ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, CODE, bitbucketToken, tokenResponse } from './support.ts';

const OPTIONS = {
  tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  code: CODE,
};

/** The failure code of a result, or 'OK' for a token. */
function outcome(result: TokenExchangeResult): TokenFailureCode | 'OK' {
  return result.ok ? 'OK' : result.failure.code;
}

/** A body that tells whether the reader let go of it (cancelled it) instead of reading it. */
function watchedBody(text: string): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

describe('tokenRequest', () => {
  it('asks for JSON', () => {
    expect(new Headers(tokenRequest(OPTIONS).init.headers).get('accept')).toBe('application/json');
  });
});

describe('processTokenResponse', () => {
  it.each([
    ['400 invalid_client', tokenResponse({ error: 'invalid_client' }, 400)],
    ['401 with another error', tokenResponse({ error: 'unsupported_grant_type' }, 401)],
    ['401 without a JSON body', tokenResponse('Unauthorized', 401, 'text/plain')],
  ])('reports a rejected OAuth consumer for %s', async (_name, response) => {
    const result = await processTokenResponse(response);
    expect(outcome(result)).toBe('CLIENT_REJECTED');
  });

  it.each([201, 203, 302, 404])('refuses a token in a %i answer: only 200 carries one', async (status) => {
    const result = await processTokenResponse(tokenResponse(bitbucketToken(), status));
    expect(outcome(result)).toBe('BAD_RESPONSE');
  });

  it.each([
    ['an empty access_token', bitbucketToken({ access_token: '' })],
    ['expires_in under a second (it would round to 0)', bitbucketToken({ expires_in: 0.5 })],
    ['a JSON null', null],
  ])('refuses %s', async (_name, body) => {
    const result = await processTokenResponse(tokenResponse(body === null ? 'null' : body));
    expect(outcome(result)).toBe('BAD_RESPONSE');
  });

  it('refuses an infinite expires_in (a number too large for a double)', async () => {
    const result = await processTokenResponse(tokenResponse(`{"access_token":"${ACCESS_TOKEN}","token_type":"bearer","expires_in":1e999}`));
    expect(outcome(result)).toBe('BAD_RESPONSE');
  });

  it('accepts a token valid for exactly one second, and rounds a fraction down', async () => {
    expect(await processTokenResponse(tokenResponse(bitbucketToken({ expires_in: 1 })))).toMatchObject({
      ok: true,
      token: { expiresIn: 1 },
    });
    expect(await processTokenResponse(tokenResponse(bitbucketToken({ expires_in: 3600.9 })))).toMatchObject({
      ok: true,
      token: { expiresIn: 3600 },
    });
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.bitbucket+json'])(
    'reads a JSON body served as %s',
    async (contentType) => {
      const result = await processTokenResponse(tokenResponse(bitbucketToken(), 200, contentType));
      expect(result).toMatchObject({ ok: true, token: { accessToken: ACCESS_TOKEN } });
    },
  );

  it.each(['text/plain', 'text/html', 'text/plain; profile=application/json', 'application/jsonp'])(
    'does not read a body served as %s, even when it is a JSON token, and lets go of it',
    async (contentType) => {
      const { body, cancelled } = watchedBody(JSON.stringify(bitbucketToken()));
      const result = await processTokenResponse(new Response(body, { headers: { 'content-type': contentType } }));
      expect(outcome(result)).toBe('BAD_RESPONSE');
      expect(cancelled()).toBe(true);
    },
  );

  it('does not read a body without a Content-Type', async () => {
    const response = new Response(JSON.stringify(bitbucketToken()));
    response.headers.delete('content-type');
    expect(outcome(await processTokenResponse(response))).toBe('BAD_RESPONSE');
  });
});

describe('exchangeCode', () => {
  it('reports a timeout while the body is still arriving as a timeout, not as a bad answer', async () => {
    // Headers arrive at once; the body stalls until the relay's signal gives up, as a slow
    // connection would, and then fails the way fetch fails a body read on abort.
    const slowBody = (signal: AbortSignal) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"access_token":'));
          signal.addEventListener('abort', () => controller.error(signal.reason));
        },
      });
    const result = await exchangeCode(OPTIONS, {
      fetch: async (_input, init) => {
        const signal = init?.signal;
        if (!signal) throw new Error('no signal');
        return new Response(slowBody(signal), { headers: { 'content-type': 'application/json' } });
      },
      timeoutMs: 20,
    });
    expect(result).toEqual({
      ok: false,
      failure: {
        code: 'TIMEOUT',
        error: 'temporarily_unavailable',
        errorDescription: 'Bitbucket did not answer in time. Please try again.',
      },
    });
  });
});
