// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import worker, { createWorker } from '../../relay/worker.ts';
import { APP_CALLBACK, APP_STATE, CLIENT_SECRET, RELAY_SECRET, testEnv } from './support.ts';

function testWorker() {
  const info: string[] = [];
  const errors: string[] = [];
  return {
    worker: createWorker({ info: (line) => info.push(line), error: (line) => errors.push(line) }),
    info,
    errors,
  };
}

describe('Cloudflare Worker entry', () => {
  it('exports the module-syntax handler Cloudflare expects', () => {
    expect(typeof worker.fetch).toBe('function');
  });

  it('serves the relay, with a Secure __Host- cookie on https', async () => {
    const { worker, info, errors } = testWorker();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    const response = await worker.fetch(new Request(`https://relay.example.workers.dev/authorize?${query}`), {
      ...testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.workers.dev' }),
      // Bindings share `env` with vars; they are not configuration.
      SOME_KV: { get: () => null },
    });
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-relay-nonce=.*; Secure$/);
    expect(info).toEqual(['authorize: redirecting to Bitbucket']);
    expect(errors).toEqual([]);
  });

  it('refuses to serve off loopback without RELAY_PUBLIC_URL: it must not guess its own scheme', async () => {
    const { worker, info, errors } = testWorker();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    const response = await worker.fetch(new Request(`https://relay.example.workers.dev/authorize?${query}`), testEnv());
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('RELAY_MISCONFIGURED');
    expect(errors).toEqual(['relay misconfigured: RELAY_PUBLIC_URL MISSING (needed unless the Worker serves on loopback)']);
    expect(info).toEqual([]);
  });

  it.each(['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787'])(
    'serves on loopback (%s) without RELAY_PUBLIC_URL, with a plain cookie name on http',
    async (origin) => {
      const { worker, errors } = testWorker();
      const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
      const response = await worker.fetch(new Request(`${origin}/authorize?${query}`), testEnv());
      expect(response.status).toBe(302);
      expect(response.headers.getSetCookie()[0]).toMatch(/^relay-nonce=/);
      expect(errors).toEqual([]);
    },
  );

  it('answers 500 with a generic page when misconfigured, and logs names but not values', async () => {
    const { worker, errors } = testWorker();
    const response = await worker.fetch(new Request('https://relay.example.workers.dev/healthcheck'), {
      BITBUCKET_CLIENT_SECRET: CLIENT_SECRET,
      RELAY_SECRET: RELAY_SECRET.slice(0, 10),
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await response.text();
    expect(page).toContain('RELAY_MISCONFIGURED');
    expect(page).not.toContain('RELAY_SECRET');
    expect(errors).toEqual(['relay misconfigured: BITBUCKET_CLIENT_ID MISSING, RELAY_SECRET TOO_SHORT, RELAY_ALLOWED_CALLBACKS MISSING']);
    expect(errors.join()).not.toContain(RELAY_SECRET.slice(0, 10));
    expect(errors.join()).not.toContain(CLIENT_SECRET);
    // The page tells the user what happened, in a heading and one sentence, and nothing of the setup.
    expect(/<h1>(.*)<\/h1>/.exec(page)?.[1]).toBe('Sign-in is not available');
    expect(/<p>(.*)<\/p>/.exec(page)?.[1]).toMatch(/^[A-Z].{15,}\.$/);
  });

  it('takes only strings as configuration: a binding under a variable name counts as unset', async () => {
    const { worker, errors } = testWorker();
    const response = await worker.fetch(new Request('https://relay.example.workers.dev/healthcheck'), {
      ...testEnv(),
      BITBUCKET_CLIENT_ID: { get: () => null },
      RELAY_PUBLIC_URL: 42,
    });
    expect(response.status).toBe(500);
    expect(errors).toEqual(['relay misconfigured: BITBUCKET_CLIENT_ID MISSING']);
  });

  it('writes its lines to the console, where Cloudflare collects them', async () => {
    const info: unknown[] = [];
    const errors: unknown[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void info.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(line));
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    await worker.fetch(
      new Request(`https://relay.example.workers.dev/authorize?${query}`),
      testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.workers.dev' }),
    );
    await worker.fetch(new Request('https://relay.example.workers.dev/healthcheck'), {});
    expect(info).toEqual(['authorize: redirecting to Bitbucket']);
    expect(errors).toEqual([expect.stringMatching(/^relay misconfigured: BITBUCKET_CLIENT_ID MISSING, /)]);
  });
});
