// @vitest-environment node
// The token endpoint call on its own: the request the relay sends, and how it reads every kind of
// answer. The relay's tests (relay.test.ts) show the same outcomes as the app sees them.
import { describe, expect, it } from 'vitest';
import {
  exchangeCode,
  MAX_TOKEN_RESPONSE_BYTES,
  processTokenResponse,
  refreshAccessToken,
  refreshRequest,
  tokenRequest,
} from '../../relay/token-exchange.ts';
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

describe('refreshRequest and refreshAccessToken', () => {
  const REFRESH = { tokenUrl: OPTIONS.tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: 'refresh-NEVER-LOG-1' };

  it('asks with grant_type=refresh_token, HTTP Basic key:secret and a form body, following no redirect', () => {
    const { url, init } = refreshRequest(REFRESH);
    expect(url).toBe(OPTIONS.tokenUrl);
    expect(init.method).toBe('POST');
    expect(String(init.body)).toBe('grant_type=refresh_token&refresh_token=refresh-NEVER-LOG-1');
    const headers = new Headers(init.headers);
    expect(headers.get('authorization')).toBe(`Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
    expect(headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(init.redirect).toBe('manual');
  });

  it('passes the new refresh token on to the relay, never to the fragment fields', async () => {
    const result = await refreshAccessToken(REFRESH, { fetch: async () => tokenResponse(bitbucketToken({ refresh_token: 'next-1' })) });
    expect(result).toEqual({
      ok: true,
      token: { accessToken: ACCESS_TOKEN, tokenType: 'bearer', expiresIn: 7200, scope: 'account repository', refreshToken: 'next-1' },
    });
  });

  it('reports a refused refresh token as INVALID_GRANT', async () => {
    const result = await refreshAccessToken(REFRESH, { fetch: async () => tokenResponse({ error: 'invalid_grant' }, 400) });
    expect(outcome(result)).toBe('INVALID_GRANT');
  });
});

describe('bounds on what the token endpoint sends', () => {
  it.each([
    [86_400, 86_400],
    [86_401, 86_400],
    [1e300, 86_400],
    [Number.MAX_VALUE, 86_400],
  ])('cuts expires_in %d to %d seconds, a whole number', async (sent, passed) => {
    expect(await processTokenResponse(tokenResponse(bitbucketToken({ expires_in: sent })))).toMatchObject({
      ok: true,
      token: { expiresIn: passed },
    });
  });

  it.each([
    ['an access token of 4096 characters', { access_token: 'a'.repeat(4096) }, 'OK'],
    ['an access token of 4097 characters', { access_token: 'a'.repeat(4097) }, 'BAD_RESPONSE'],
    ['an access token of 200 kB', { access_token: 'a'.repeat(20_000) }, 'BAD_RESPONSE'],
    ['an access token with a space', { access_token: 'abc def' }, 'BAD_RESPONSE'],
    ['an access token with a control character', { access_token: 'abc\u0000' }, 'BAD_RESPONSE'],
    ['an access token beyond ASCII', { access_token: 'abcé' }, 'BAD_RESPONSE'],
    ['a refresh token of 1024 characters', { refresh_token: 'r'.repeat(1024) }, 'OK'],
    ['a refresh token of 1025 characters', { refresh_token: 'r'.repeat(1025) }, 'BAD_RESPONSE'],
    ['an empty refresh token', { refresh_token: '' }, 'BAD_RESPONSE'],
    ['a refresh token that is not a string', { refresh_token: 5 }, 'BAD_RESPONSE'],
    ['a refresh token with a line break', { refresh_token: 'a\nb' }, 'BAD_RESPONSE'],
    ['a scope of 1024 characters', { scope: 's'.repeat(1024) }, 'OK'],
    ['a scope of 1025 characters', { scope: 's'.repeat(1025) }, 'BAD_RESPONSE'],
    ['a scope with a quote', { scope: 'account "x"' }, 'BAD_RESPONSE'],
    ['a scope with a backslash', { scope: 'account\\x' }, 'BAD_RESPONSE'],
    ['an empty scope', { scope: '' }, 'OK'],
  ])('answers %s: %s', async (_name, extra, expected) => {
    expect(outcome(await processTokenResponse(tokenResponse(bitbucketToken(extra))))).toBe(expected);
  });

  it(`reads at most ${MAX_TOKEN_RESPONSE_BYTES} bytes: a larger answer is refused as TOO_LARGE`, async () => {
    const padded = (size: number) => {
      const text = JSON.stringify(bitbucketToken({ pad: '' }));
      return text.replace('"pad":""', `"pad":"${'x'.repeat(size - text.length)}"`);
    };
    expect(outcome(await processTokenResponse(tokenResponse(padded(MAX_TOKEN_RESPONSE_BYTES))))).toBe('OK');
    expect(await processTokenResponse(tokenResponse(padded(MAX_TOKEN_RESPONSE_BYTES + 1)))).toEqual({
      ok: false,
      failure: { code: 'TOO_LARGE', error: 'server_error', errorDescription: "Bitbucket's answer could not be understood." },
    });
  });

  it('stops reading a huge answer at the bound, streamed, and lets go of the rest', async () => {
    // 1.5 GB if read to the end; 64 KiB chunks, made as they are pulled.
    let pulled = 0;
    let cancelled = false;
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const result = await exchangeCode(OPTIONS, {
      fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
    });
    expect(outcome(result)).toBe('TOO_LARGE');
    expect(pulled).toBeLessThan(4);
    expect(cancelled).toBe(true);
  });

  it('reports an answer that breaks off while its body is read as NETWORK: Bitbucket was not fully reached', async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new TypeError('terminated'));
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"access_token":'));
      },
    });
    const result = await exchangeCode(OPTIONS, {
      fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
    });
    expect(outcome(result)).toBe('NETWORK');
  });

  it('refuses an answer that declares a larger Content-Length before reading it', async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({
      pull() {
        pulled = true;
      },
    });
    const response = new Response(body, { headers: { 'content-type': 'application/json', 'content-length': '1500000000' } });
    expect(outcome(await processTokenResponse(response))).toBe('TOO_LARGE');
    expect(pulled).toBe(false);
  });

  it('gives up on a body that trickles in and ignores the abort, within the timeout', async () => {
    // A byte every 5 ms, for ever; the stream does not listen to the signal.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(new TextEncoder().encode(' '));
      },
    });
    const started = performance.now();
    const result = await exchangeCode(OPTIONS, {
      fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
      timeoutMs: 50,
    });
    expect(outcome(result)).toBe('TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
