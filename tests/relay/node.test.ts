// @vitest-environment node
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isMainModule, startConfiguredRelay, startRelayServer, toWebRequest, urlHost, writeWebResponse } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { APP_CALLBACK, APP_STATE, CODE, rawRequest, testConfig, tokenResponse } from './support.ts';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

// A token endpoint that has seen every code before: a refused callback's code is spent here, offline.
const usedCodes = () => Promise.resolve(tokenResponse({ error: 'invalid_grant' }, 400));

async function start(logs: string[] = []): Promise<RelayServer> {
  const server = await startRelayServer(testConfig(), 0, { log: (line) => logs.push(line), deps: { fetch: usedCodes } });
  running.push(server);
  return server;
}

describe('startRelayServer', () => {
  it('listens on a free port on 127.0.0.1 and serves the relay', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.url}/healthcheck`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('passes redirects and cookies through unchanged', async () => {
    const server = await start();
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    const response = await fetch(`${server.url}/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/^https:\/\/bitbucket\.org\/site\/oauth2\/authorize\?client_id=/);
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^relay-nonce=[\w-]+; Max-Age=300;/)]);
  });

  it('logs method, path and status, never the query', async () => {
    const logs: string[] = [];
    const server = await start(logs);
    await fetch(`${server.url}/callback?code=${CODE}&state=${APP_STATE}`, { redirect: 'manual' });
    expect(logs).toEqual([
      // Not a state of the relay's own: nothing is spent.
      'callback: refused (STATE_MALFORMED)',
      'GET /callback 400',
    ]);
    expect(logs.join('\n')).not.toContain(CODE);
  });

  it('logs to the console when given no log', async () => {
    const lines: unknown[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(line));
    const server = await startRelayServer(testConfig(), 0);
    running.push(server);
    await fetch(`${server.url}/healthcheck`);
    expect(lines).toEqual(['GET /healthcheck 200']);
  });

  it('answers a POST with a body with 405 and closes the connection instead of reading it', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/callback`, { method: 'POST', body: 'code=x'.repeat(1000) });
    expect(response.status).toBe(405);
    expect(response.headers.get('connection')).toBe('close');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps a connection without a body open, and closes one whose request announces a chunked body', async () => {
    const server = await start();
    const plain = await fetch(`${server.url}/healthcheck`);
    expect(plain.headers.get('connection')).toBe('keep-alive');
    // A body of unknown length: fetch sends it chunked, on a connection it means to keep.
    const chunked = await fetch(`${server.url}/callback`, {
      method: 'POST',
      body: new Blob(['code=x']).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(405);
    expect(chunked.headers.get('connection')).toBe('close');
  });

  it.each([
    ['GET', 413],
    ['HEAD', 405],
  ])(
    'hands a %s that announces a body to the relay, which refuses it (%i), though a Web Request cannot carry its body',
    async (method, status) => {
      const logs: string[] = [];
      const server = await start(logs);
      const answer = await rawRequest(server.url, `${method} /callback?code=${CODE} HTTP/1.1\r\nHost: relay\r\nContent-Length: 6`);
      expect(answer.status).toBe(status);
      expect(answer.headers.get('connection')).toBe('close');
      expect(logs).toEqual([`${method} /callback ${status}`]);
    },
  );

  it('answers 400 with the usual headers, and logs no details, when a request has no Web form (TRACE)', async () => {
    const logs: string[] = [];
    const server = await start(logs);
    const answer = await rawRequest(server.url, `TRACE /callback?code=${CODE} HTTP/1.1\r\nHost: relay`);
    expect(answer.status).toBe(400);
    expect(answer.body).toBe('Bad request');
    expect(Object.fromEntries(answer.headers)).toMatchObject({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-type': 'text/plain; charset=utf-8',
    });
    // The path is not known to the adapter then; the query never is.
    expect(logs).toEqual(['adapter error (TypeError)', 'TRACE - 400']);
  });

  it('logs at most 100 characters of a path', async () => {
    const logs: string[] = [];
    const server = await start(logs);
    await fetch(`${server.url}/${'a'.repeat(300)}`);
    expect(logs.at(-1)).toBe(`GET /${'a'.repeat(99)} 404`);
  });

  it('refuses headers larger than 8 KiB with 431', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/healthcheck`, { headers: { 'x-big': 'a'.repeat(7 * 1024) } })).status).toBe(200);
    expect((await fetch(`${server.url}/healthcheck`, { headers: { 'x-big': 'a'.repeat(9 * 1024) } })).status).toBe(431);
  });

  it('listens on the configured port and host, unless told another host', async () => {
    const configured = await startRelayServer(testConfig({ PORT: '0', RELAY_HOST: 'localhost' }), undefined, { log: () => {} });
    running.push(configured);
    expect(configured.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect((await fetch(`${configured.url}/healthcheck`)).status).toBe(200);

    const told = await startRelayServer(testConfig({ RELAY_HOST: 'localhost' }), 0, { host: '127.0.0.1', log: () => {} });
    running.push(told);
    expect(told.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('reports a second close as an error', async () => {
    const server = await startRelayServer(testConfig(), 0, { log: () => {} });
    await server.close();
    await expect(server.close()).rejects.toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  });

  it('closes even with a keep-alive connection open', async () => {
    const server = await startRelayServer(testConfig(), 0, { log: () => {} });
    await fetch(`${server.url}/healthcheck`, { headers: { connection: 'keep-alive' } });
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each(['0.0.0.0', '::', '192.0.2.1'])('refuses to listen on %s without RELAY_PUBLIC_URL, naming the variable', async (host) => {
    await expect(startRelayServer(testConfig(), 0, { host, log: () => {} })).rejects.toThrow(
      new RegExp(`^The relay cannot listen on ${host.replaceAll('.', '\\.')} without RELAY_PUBLIC_URL: .*https://relay\\.example\\.com`),
    );
  });

  it('listens off loopback with RELAY_PUBLIC_URL, and its cookies are then __Host- and Secure', async () => {
    const server = await startRelayServer(testConfig({ RELAY_PUBLIC_URL: 'https://relay.example.com' }), 0, {
      host: '0.0.0.0',
      log: () => {},
    });
    running.push(server);
    const port = new URL(server.url).port;
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    // Reached over plain http, as a proxy that terminates TLS reaches it.
    const response = await fetch(`http://127.0.0.1:${port}/authorize?${query}`, { redirect: 'manual' });
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-relay-nonce=.*; Secure$/);
    // Forwarded headers say nothing to it: whoever sends the request can write them.
    const forwarded = await fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', 'x-bitbucket-relay': '1', 'x-forwarded-proto': 'http' },
    });
    expect(forwarded.headers.getSetCookie()).toEqual(['__Host-relay-session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict']);
  });

  it('keeps the connection of a POST without a body (fetch sends Content-Length: 0), and answers it as JSON', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', 'x-bitbucket-relay': '1' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(await response.json()).toMatchObject({ error: 'no_session' });
  });

  it('fails to start on a port in use', async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    await expect(startRelayServer(testConfig(), port, { log: () => {} })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('startConfiguredRelay (what npm run relay starts)', () => {
  it('listens on the configured address, or says which address it could not use', async () => {
    const server = await startConfiguredRelay(testConfig({ PORT: '0' }));
    running.push(server);
    expect((await fetch(`${server.url}/healthcheck`)).status).toBe(200);

    const port = new URL(server.url).port;
    await expect(startConfiguredRelay(testConfig({ PORT: port }))).rejects.toThrow(
      `The relay cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`,
    );
  });
});

describe('toWebRequest', () => {
  it('keeps repeated headers, skips absent ones and defaults to GET /', () => {
    const incoming = { headers: { cookie: 'a=1', 'x-list': ['1', '2'], 'x-absent': undefined } } as unknown as IncomingMessage;
    const request = toWebRequest(incoming, 'http://127.0.0.1:3001');
    expect(request.method).toBe('GET');
    expect(request.url).toBe('http://127.0.0.1:3001/');
    expect([...request.headers]).toEqual([
      ['cookie', 'a=1'],
      ['x-list', '1, 2'],
    ]);
  });
});

describe('urlHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['relay.internal', 'relay.internal'],
    ['::1', '[::1]'],
    ['0.0.0.0', 'localhost'],
    ['::', 'localhost'],
    ['', 'localhost'],
  ])('writes the listening address %o as %o in a URL', (host, expected) => {
    expect(urlHost(host)).toBe(expected);
  });
});

describe('isMainModule', () => {
  const nodeTs = new URL('../../relay/node.ts', import.meta.url);
  it.each([
    [fileURLToPath(nodeTs), true],
    [fileURLToPath(new URL('../../relay/workerd.ts', import.meta.url)), false],
    [undefined, false],
  ])('is %o the script started as relay/node.ts? %o', (script, expected) => {
    expect(isMainModule(nodeTs.href, script)).toBe(expected);
  });

  it('compares with the script of this process by default', () => {
    expect(isMainModule(import.meta.url)).toBe(false);
    expect(isMainModule(pathToFileURL(process.argv[1] ?? '').href)).toBe(true);
  });
});

describe('writeWebResponse', () => {
  it('keeps several Set-Cookie headers apart', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/; HttpOnly');
    headers.append('cache-control', 'no-store');
    const server = createServer((_request, response) => void writeWebResponse(new Response('hi', { status: 201, headers }), response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });

    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('hi');
  });
});

describe('npm run relay (relay/node.ts run directly)', () => {
  it('stops with exit code 1 and lists every configuration problem', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // Blank values win over a developer's relay/.env, so the result does not depend on it.
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'relay/node.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
      env: {
        PATH: process.env['PATH'] ?? '',
        BITBUCKET_CLIENT_ID: '',
        BITBUCKET_CLIENT_SECRET: '',
        RELAY_SECRET: 'too-short-NEVER-LOG',
        RELAY_ALLOWED_CALLBACKS: 'http://evil.example/cb',
        PORT: 'x',
      },
    });
    expect(result.status).toBe(1);
    for (const variable of ['BITBUCKET_CLIENT_ID', 'BITBUCKET_CLIENT_SECRET', 'RELAY_SECRET', 'RELAY_ALLOWED_CALLBACKS', 'PORT']) {
      expect(result.stderr).toContain(`- ${variable} `);
    }
    expect(result.stderr).not.toContain('too-short-NEVER-LOG');
    expect(result.stdout).toBe('');
  });
});
