// @vitest-environment node
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../sim/index.ts';
import { bearer, getJson, start } from './helpers.ts';

describe('fault injection', () => {
  it('status: answers the JSON error body with CORS headers, for `times` requests only', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/repositories/', kind: 'status', status: 500, times: 2 }] });
    const headers = bearer(sim.issueToken());
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${sim.apiBase}/repositories/acme-platform`, { headers });
      statuses.push(response.status);
      if (response.status === 500) {
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await response.json()).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
      } else {
        await response.body?.cancel();
      }
    }
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('status 429: plain text, no Retry-After, still readable cross-origin', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'status', status: 429 }] });
    const response = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('retry-after')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe('Rate limit for this resource has been exceeded');
  });

  it('status 410: the CHANGE-2770 body', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/workspaces/', kind: 'status', status: 410 }] });
    const response = await fetch(`${sim.apiBase}/workspaces/acme-platform`, { headers: bearer(sim.issueToken()) });
    expect(response.status).toBe(410);
    expect((await response.json()).error.message).toMatch(/^CHANGE-2770/);
  });

  it('not-json: 200 with an HTML body', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'not-json' }] });
    const response = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    await expect(response.json()).rejects.toThrow();
  });

  it('wrong-shape: 200 JSON whose values is not an array', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/repositories/', kind: 'wrong-shape' }] });
    const response = await fetch(`${sim.apiBase}/repositories/acme-platform`, { headers: bearer(sim.issueToken()) });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Array.isArray(body.values)).toBe(false);
    expect(typeof body.next).not.toBe('string');
  });

  it('drop: closes the connection without an answer, logged with status 0', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'drop', times: 1 }] });
    await expect(fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) })).rejects.toThrow();
    const after = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(after.status).toBe(200);
    expect(sim.requests().map((record) => record.status)).toEqual([0, 200]);
  });

  it('delay: answers normally, later', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'delay', delayMs: 100 }] });
    const started = performance.now();
    const response = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('matches a regex when the path starts with ^, against path and query', async () => {
    const sim = await start();
    sim.configure({
      faults: [
        { path: '^/2\\.0/user$', kind: 'status', status: 503 },
        { path: 'page=2', kind: 'status', status: 502 },
      ],
    });
    const headers = bearer(sim.issueToken());
    expect((await fetch(`${sim.apiBase}/user`, { headers })).status).toBe(503);
    expect((await fetch(`${sim.apiBase}/user/workspaces`, { headers })).status).toBe(200);
    expect((await fetch(`${sim.apiBase}/repositories/acme-platform`, { headers })).status).toBe(200);
    expect((await fetch(`${sim.apiBase}/repositories/acme-platform?page=2`, { headers })).status).toBe(502);
  });

  it('never applies to preflights (and does not use up `times` on them)', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'status', status: 500, times: 1 }] });
    const pre = await fetch(`${sim.apiBase}/user`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://x', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(pre.status).toBe(204);
    expect((await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) })).status).toBe(500);
  });

  it('applies on the authorization server too', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/site/oauth2/access_token', kind: 'status', status: 503 }] });
    const response = await fetch(sim.tokenUrl, { method: 'POST' });
    expect(response.status).toBe(503);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('endless-next: every page has a next never seen before, and pages past the data bring a new repository', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/repositories/tiny-studio', kind: 'endless-next' }] });
    const token = sim.issueToken();
    const seenNext = new Set<string>();
    const names: string[] = [];
    let url: string | undefined = '/repositories/tiny-studio?pagelen=100&fields=next,values.full_name';
    for (let page = 1; page <= 4 && url; page++) {
      const { body } = await getJson(sim, url, bearer(token));
      names.push(...body.values.map((repo: { full_name: string }) => repo.full_name));
      expect(seenNext.has(body.next)).toBe(false);
      seenNext.add(body.next);
      url = body.next;
    }
    expect(seenNext.size).toBe(4);
    expect(names).toHaveLength(5 + 3);
    expect(names.slice(5)).toEqual(['tiny-studio/endless-100', 'tiny-studio/endless-200', 'tiny-studio/endless-300']);
    // The made-up repositories are whole repositories, the data's own shape.
    const { body } = await getJson(sim, '/repositories/tiny-studio?pagelen=100&page=9', bearer(token));
    expect(body.values[0]).toMatchObject({
      type: 'repository',
      name: 'endless-800',
      slug: 'endless-800',
      workspace: { slug: 'tiny-studio' },
    });
    expect(body.values[0].uuid).not.toBe(sim.data.workspaces.find((w) => w.workspace.slug === 'tiny-studio')?.repositories[0]?.uuid);
  });

  it('size: a list page claims the total it is told, whatever the data; other answers are untouched', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '^/2\\.0/repositories/acme-platform\\?(?!.*page=)', kind: 'size', size: 10_000_000 }] });
    const token = sim.issueToken();
    expect((await getJson(sim, '/repositories/acme-platform?pagelen=100', bearer(token))).body).toMatchObject({
      size: 10_000_000,
      page: 1,
    });
    expect((await getJson(sim, '/repositories/acme-platform?pagelen=100&page=2', bearer(token))).body.size).toBe(288);
    sim.configure({ faults: [{ path: '/user', kind: 'size', size: 5 }] });
    expect((await getJson(sim, '/user', bearer(token))).body.size).toBeUndefined();
    expect(() => sim.configure({ faults: [{ path: '/x', kind: 'size' }] })).toThrow(/size must be/);
    expect(() => sim.configure({ faults: [{ path: '/x', kind: 'size', size: -1 }] })).toThrow(/size must be/);
  });

  it('refuses a bad rule and keeps the current ones', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/user', kind: 'status', status: 500 }] });
    expect(() => sim.configure({ faults: [{ path: '^(', kind: 'drop' }] })).toThrow(TypeError);
    expect(() => sim.configure({ faults: [{ path: '/x', kind: 'status', status: 200 }] })).toThrow(TypeError);
    expect((await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) })).status).toBe(500);
  });
});

describe('latency', () => {
  it('is added to every request, CORS preflights included, on both servers', async () => {
    const sim = await start({ latencyMs: 100 });
    const timed = async (request: Promise<Response>) => {
      const started = performance.now();
      await (await request).text();
      return performance.now() - started;
    };
    const preflight = fetch(`${sim.apiBase}/user`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://x', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    const [pre, api, auth] = await Promise.all([
      timed(preflight),
      timed(fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) })),
      timed(fetch(`${sim.authorizeUrl}?client_id=demo-client&response_type=token`)),
    ]);
    for (const elapsed of [pre, api, auth]) expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('can be changed at run time', async () => {
    const sim = await start({ latencyMs: 2000 });
    sim.configure({ latencyMs: 0 });
    const started = performance.now();
    await (await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) })).text();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

function control(sim: Simulator, method: string, action: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  return fetch(`${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/${action}`, init);
}

describe('control endpoint /__sim/', () => {
  it('refuses a request addressed by another name (DNS rebinding): same-origin GETs carry no Origin, but a Host', async () => {
    const sim = await start();
    const { port } = new URL(sim.apiBase);
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: '/__sim/requests', headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    expect(await get(`evil.example:${port}`)).toBe(403);
    expect(await get(`localhost:${port}`)).toBe(200);
    expect(await get(`127.0.0.1:${port}`)).toBe(200);
  });

  it('configure: changes behaviour (204), sends no CORS headers, and is not logged', async () => {
    const sim = await start();
    const response = await control(sim, 'POST', 'configure', { omitSize: true, pagination: 'cursor' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const { body } = await getJson(sim, '/repositories/acme-platform');
    expect(body).not.toHaveProperty('size');
    expect(new URL(body.next).searchParams.has('cursor')).toBe(true);
    expect(sim.requests().map((record) => record.url)).toEqual([`${sim.apiBase}/repositories/acme-platform`]);
  });

  it('configure: sets fault rules', async () => {
    const sim = await start();
    await control(sim, 'POST', 'configure', { faults: [{ path: '/user', kind: 'status', status: 503, times: 1 }] });
    expect((await getJson(sim, '/user')).status).toBe(503);
    expect((await getJson(sim, '/user')).status).toBe(200);
  });

  it('configure: data options generate the data again', async () => {
    const sim = await start();
    const before = sim.data.workspaces[1]?.repositories[0]?.uuid;
    await control(sim, 'POST', 'configure', { seed: 99, workspaces: [{ slug: 'solo', name: 'Solo', repositories: 3 }] });
    expect(sim.data.workspaces.map((entry) => entry.workspace.slug)).toEqual(['solo']);
    expect(sim.data.workspaces[0]?.repositories[0]?.uuid).not.toBe(before);
    const { body } = await getJson(sim, '/repositories/solo');
    expect(body.size).toBe(3);
  });

  it.each([
    ['an unknown option', { colour: 'blue' }],
    ['a port', { apiPort: 1234 }],
    ['a wrong type', { latencyMs: 'slow' }],
    ['a bad workspace spec', { workspaces: [{ slug: 'x', repositories: -1, name: 'X' }] }],
    ['a bad fault rule', { faults: [{ path: '^(', kind: 'drop' }] }],
    ['a JSON array', [1, 2]],
  ])('configure: answers 400 to %s and changes nothing', async (_, body) => {
    const sim = await start();
    const response = await control(sim, 'POST', 'configure', body);
    expect(response.status).toBe(400);
    expect((await response.json()).type).toBe('error');
    expect((await getJson(sim, '/user')).status).toBe(200);
  });

  it('configure: answers 400 to a body that is not JSON', async () => {
    const sim = await start();
    const response = await fetch(`${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/configure`, { method: 'POST', body: '{oops' });
    expect(response.status).toBe(400);
  });

  it('reset: restores the start options and clears faults; tokens stay valid', async () => {
    const sim = await start({ seed: 5 });
    const token = sim.issueToken();
    const original = JSON.stringify(sim.data);
    sim.configure({ seed: 6, omitSize: true, faults: [{ path: '/', kind: 'status', status: 500 }] });
    expect(JSON.stringify(sim.data)).not.toBe(original);

    expect((await control(sim, 'POST', 'reset')).status).toBe(204);
    expect(JSON.stringify(sim.data)).toBe(original);
    const { status, body } = await getJson(sim, '/repositories/tiny-studio', bearer(token));
    expect(status).toBe(200);
    expect(body.size).toBe(5);
  });

  it('requests: returns the log as JSON; DELETE clears it', async () => {
    const sim = await start();
    await getJson(sim, '/user');
    const log = await (await control(sim, 'GET', 'requests')).json();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ server: 'api', method: 'GET', status: 200, url: `${sim.apiBase}/user` });
    expect((await control(sim, 'DELETE', 'requests')).status).toBe(204);
    expect(await (await control(sim, 'GET', 'requests')).json()).toEqual([]);
  });

  it('tokens: mints a working token, with an optional lifetime', async () => {
    const sim = await start();
    const response = await control(sim, 'POST', 'tokens', { lifetimeSeconds: 60 });
    expect(response.status).toBe(200);
    const { access_token } = await response.json();
    expect((await getJson(sim, '/user', bearer(access_token))).status).toBe(200);
    expect((await control(sim, 'POST', 'tokens', { lifetimeSeconds: 'long' })).status).toBe(400);
  });

  it('revoke: the token is refused afterwards', async () => {
    const sim = await start();
    const token = sim.issueToken();
    expect((await control(sim, 'POST', 'revoke', { token })).status).toBe(204);
    const { status, body } = await getJson(sim, '/user', bearer(token));
    expect(status).toBe(401);
    expect(body.error.message).toBe('Token is invalid, expired, or not supported for this endpoint.');
  });

  it('expire-all: every token issued so far is expired; new ones work', async () => {
    const sim = await start();
    const old = sim.issueToken();
    expect((await control(sim, 'POST', 'expire-all')).status).toBe(204);
    const { status, body } = await getJson(sim, '/user', bearer(old));
    expect(status).toBe(401);
    expect(body.error.message).toBe('Access token expired. Use your refresh token to obtain a new access token.');
    expect((await getJson(sim, '/user', bearer(sim.issueToken()))).status).toBe(200);
  });

  it('refuses every preflight, and answers 404 for an unknown action', async () => {
    const sim = await start();
    const pre = await fetch(`${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/configure`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(pre.status).toBe(403);
    expect([...pre.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect((await control(sim, 'POST', 'explode')).status).toBe(404);
    expect(sim.requests()).toEqual([]);
  });

  const fromOrigin = (sim: Simulator, origin: string, method: string, action: string, body = '') =>
    fetch(`${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/${action}`, {
      method,
      headers: { Origin: origin, 'Content-Type': 'text/plain' },
      ...(method === 'GET' ? {} : { body }),
    });

  it.each([
    ['GET', 'requests', ''],
    ['DELETE', 'requests', ''],
    ['POST', 'configure', '{"latencyMs":5000}'],
    ['POST', 'reset', ''],
    ['POST', 'tokens', ''],
    ['POST', 'revoke', '{"token":"x"}'],
    ['POST', 'expire-all', ''],
  ])('refuses %s %s from a page on another origin (403, nothing done, no CORS headers)', async (method, action, body) => {
    const sim = await start();
    const token = sim.issueToken();
    await getJson(sim, '/user', bearer(token));
    for (const origin of ['https://evil.example', 'null', 'http://localhost:3001']) {
      const response = await fromOrigin(sim, origin, method, action, body);
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(await response.text()).not.toContain(token.slice(0, 12));
    }
    // Nothing changed: the log, the options and the token are as they were.
    expect(sim.requests()).toHaveLength(1);
    expect((await getJson(sim, '/user', bearer(token))).status).toBe(200);
  });

  it("answers the app's own origin (the clients' callback origins by default, or appOrigins)", async () => {
    const byDefault = await start({ clients: [{ clientId: 'c', name: 'C', callbackUrl: 'http://localhost:5173/app/' }] });
    expect((await fromOrigin(byDefault, 'http://localhost:5173', 'POST', 'reset')).status).toBe(204);
    expect((await fromOrigin(byDefault, 'http://localhost:3000', 'POST', 'reset')).status).toBe(403);

    const chosen = await start({ appOrigins: ['https://app.example/'] });
    expect((await fromOrigin(chosen, 'https://app.example', 'GET', 'requests')).status).toBe(200);
    expect((await fromOrigin(chosen, 'http://localhost:3000', 'GET', 'requests')).status).toBe(403);
    // …and who may control it cannot be changed by those who may.
    expect((await fromOrigin(chosen, 'https://app.example', 'POST', 'configure', '{"appOrigins":["https://evil.example"]}')).status).toBe(
      400,
    );
    expect(() => chosen.configure({ appOrigins: ['https://evil.example'] })).toThrow(/appOrigins/);
  });
});

describe('configure() in process', () => {
  it('refuses to change where the servers listen', async () => {
    const sim = await start();
    expect(() => sim.configure({ apiPort: 1 })).toThrow(/apiPort/);
    expect(() => sim.configure({ host: '0.0.0.0' })).toThrow(/host/);
  });

  it('changes the client list used by the authorize endpoint', async () => {
    const sim = await start();
    sim.configure({ clients: [{ clientId: 'new', name: 'New app', callbackUrl: 'http://localhost:5173/' }] });
    const page = await fetch(`${sim.authorizeUrl}?client_id=new&response_type=token`);
    expect(await page.text()).toContain('New app');
    const old = await fetch(`${sim.authorizeUrl}?client_id=demo-client&response_type=token`);
    expect(old.status).toBe(400);
  });
});
