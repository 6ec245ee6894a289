// The whole request the API client makes, option by option: each is a safeguard that
// docs/security.md relies on (threats 2 and 5), so each has a test that fails without it.
import { describe, expect, it } from 'vitest';
import { createClient } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { API, fakeFetch, json, type RecordedRequest } from '../support/fake-fetch.ts';

async function requestFor(signal?: AbortSignal): Promise<RecordedRequest> {
  const fake = fakeFetch(() => json({ display_name: 'Ada' }));
  const api = createClient({ apiUrl: API, authorization: () => 'Bearer tok', fetch: fake.fetch });
  await api.get('/user', signal ? { signal } : {});
  const [request] = fake.requests;
  if (!request || fake.requests.length !== 1) throw new Error('expected exactly one request');
  return request;
}

describe('the request the API client makes', () => {
  it('is a GET with no body', async () => {
    const request = await requestFor();
    expect(request.method).toBe('GET');
    expect(request.body).toBeUndefined();
  });

  it('refuses redirects: one would carry the Authorization header to wherever it points', async () => {
    expect((await requestFor()).redirect).toBe('error');
  });

  it('sends no referrer', async () => {
    expect((await requestFor()).referrerPolicy).toBe('no-referrer');
  });

  it('always asks Bitbucket instead of answering from the HTTP cache', async () => {
    expect((await requestFor()).cache).toBe('no-cache');
  });

  it('sends no cookies: credentials and mode stay at fetch’s defaults (same-origin only, CORS)', async () => {
    const request = await requestFor();
    expect(request.credentials).toBeUndefined();
    expect(request.mode).toBeUndefined();
  });

  it('passes the caller’s abort signal on, and sets nothing beyond the options above', async () => {
    const controller = new AbortController();
    const request = await requestFor(controller.signal);
    expect(request.signal).toBe(controller.signal);
    expect(request.options).toEqual(['cache', 'headers', 'redirect', 'referrerPolicy', 'signal']);
    expect((await requestFor()).options).toEqual(['cache', 'headers', 'redirect', 'referrerPolicy']);
  });
});
