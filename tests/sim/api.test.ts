// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { OUTSIDER_WORKSPACE_SLUG } from '../../sim/data.ts';
import { fingerprint } from '../../sim/index.ts';
import type { Simulator } from '../../sim/index.ts';
import { basic, bearer, getJson, manualClock, sharedSimulator, start } from './helpers.ts';
import type { Json } from './helpers.ts';

const shared = sharedSimulator();

const EXPIRED = 'Access token expired. Use your refresh token to obtain a new access token.';
const INVALID = 'Token is invalid, expired, or not supported for this endpoint.';

describe('API authentication', () => {
  it('accepts a bearer token', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, '/user', bearer(sim.issueToken()));
    expect(status).toBe(200);
    expect(body.type).toBe('user');
  });

  it('accepts an API token as HTTP Basic email:token, and refuses a wrong one', async () => {
    const sim = shared();
    expect((await getJson(sim, '/user', { Authorization: basic('demo@example.com', 'demo-api-token') })).status).toBe(200);
    const wrong = await getJson(sim, '/user', { Authorization: basic('demo@example.com', 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.type).toBe('error');
  });

  it('accepts configured API tokens only', async () => {
    const sim = await start({ apiTokens: [{ email: 'me@example.org', token: 'secret-1' }] });
    expect((await getJson(sim, '/user', { Authorization: basic('me@example.org', 'secret-1') })).status).toBe(200);
    expect((await getJson(sim, '/user', { Authorization: basic('demo@example.com', 'demo-api-token') })).status).toBe(401);
  });

  it('answers 401 with an error body (readable cross-origin) without credentials', async () => {
    const sim = shared();
    const { status, headers, body } = await getJson(sim, '/user', {});
    expect(status).toBe(401);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
  });

  it('answers 401 for an unknown token', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, '/user', bearer('not-a-token'));
    expect(status).toBe(401);
    expect(body.error.message).toBe(INVALID);
  });

  it('answers 401 "Access token expired" once the lifetime has passed on the injected clock', async () => {
    const clock = manualClock();
    const sim = await start({ now: clock.now });
    const token = sim.issueToken({ lifetimeSeconds: 60 });
    clock.advance(59_000);
    expect((await getJson(sim, '/user', bearer(token))).status).toBe(200);
    clock.advance(1_000);
    const { status, body } = await getJson(sim, '/user', bearer(token));
    expect(status).toBe(401);
    expect(body.error.message).toBe(EXPIRED);
  });

  it('answers 401 "Token is invalid…" for a revoked token', async () => {
    const sim = shared();
    const token = sim.issueToken();
    sim.revokeToken(token);
    const { status, body } = await getJson(sim, '/user', bearer(token));
    expect(status).toBe(401);
    expect(body.error.message).toBe(INVALID);
  });

  it('refuses a token in the query string, even a valid one, even with a valid header', async () => {
    const sim = shared();
    const token = sim.issueToken();
    for (const headers of [{}, bearer(token)]) {
      const { status, body } = await getJson(sim, `/user?access_token=${token}`, headers);
      expect(status).toBe(401);
      expect(body.error.message).toMatch(/Authorization header/);
    }
  });

  it('answers 403 when the token lacks the scope the endpoint needs', async () => {
    const sim = shared();
    const token = sim.issueToken({ scopes: 'account' });
    expect((await getJson(sim, '/user', bearer(token))).status).toBe(200);
    const { status, body } = await getJson(sim, '/repositories/acme-platform', bearer(token));
    expect(status).toBe(403);
    expect(body).toEqual({
      type: 'error',
      error: {
        message: 'Your credentials lack one or more required privilege scopes.',
        detail: { granted: ['account'], required: ['repository'] },
      },
    });
  });
});

// Bitbucket's exact body (April 2026): `data` under `error`, repeated at the top level.
const ANNOUNCEMENT = { announcement_url: 'https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770' };
const CHANGE_2770 = {
  type: 'error',
  error: {
    message: 'CHANGE-2770 - Functionality has been deprecated',
    detail: 'Please read the changelog entry for more details.',
    data: ANNOUNCEMENT,
  },
  data: ANNOUNCEMENT,
};

describe('API response shapes', () => {
  it('GET /2.0/user: the user, with braces in the uuid and an avatar, without the legacy username', async () => {
    const sim = shared();
    const { status, headers, body } = await getJson(sim, '/user');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).toMatchObject({
      type: 'user',
      display_name: 'Dana Demo',
      nickname: 'dana-demo',
      account_status: 'active',
      uuid: expect.stringMatching(/^\{[0-9a-f-]{36}\}$/),
      account_id: expect.any(String),
      links: { avatar: { href: expect.stringMatching(/^https:\/\//) }, html: { href: expect.any(String) } },
    });
    expect(body).not.toHaveProperty('username');
    expect(body).toEqual(sim.data.user);
  });

  it('GET /2.0/user/workspaces: workspace_access items whose workspace_base has no name', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, '/user/workspaces');
    expect(status).toBe(200);
    expect(body.size).toBe(4);
    expect(body.values).toHaveLength(4);
    for (const item of body.values) {
      expect(Object.keys(item).sort()).toEqual(['administrator', 'type', 'workspace']);
      expect(item.type).toBe('workspace_access');
      expect(typeof item.administrator).toBe('boolean');
      expect(item.workspace).toMatchObject({ type: 'workspace_base', uuid: expect.any(String), slug: expect.any(String) });
      expect(item.workspace.links).toEqual({ avatar: { href: expect.any(String) }, self: { href: expect.any(String) } });
      expect(item.workspace).not.toHaveProperty('name');
    }
    expect(body.values.map((item: Json) => item.workspace.slug)).toEqual(['dana-demo', 'acme-platform', 'tiny-studio', 'empty-workspace']);
  });

  it('GET /2.0/workspaces/{workspace}: the workspace with its name, by slug or by UUID', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, '/workspaces/acme-platform');
    expect(status).toBe(200);
    expect(body).toMatchObject({ type: 'workspace', slug: 'acme-platform', name: 'Acme Platform', uuid: expect.any(String) });
    const byUuid = await getJson(sim, `/workspaces/${encodeURIComponent(body.uuid)}`);
    expect(byUuid.body.slug).toBe('acme-platform');
  });

  it('GET /2.0/repositories/{workspace}: full repository objects of a few kB each', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, '/repositories/acme-platform');
    expect(status).toBe(200);
    expect(body.size).toBe(288);
    const repo = body.values[0];
    expect(repo).toEqual(sim.data.workspaces[1]?.repositories[0]);
    expect(repo).toMatchObject({
      type: 'repository',
      full_name: `acme-platform/${repo.slug}`,
      scm: 'git',
      is_private: expect.any(Boolean),
      description: expect.any(String),
      language: expect.any(String),
      links: { html: { href: `https://bitbucket.org/acme-platform/${repo.slug}` }, avatar: { href: expect.any(String) } },
      workspace: { type: 'workspace', slug: 'acme-platform', name: 'Acme Platform' },
      project: { type: 'project', key: expect.any(String), name: expect.any(String) },
      owner: { type: 'team', display_name: 'Acme Platform' },
    });
    expect(Buffer.byteLength(JSON.stringify(repo))).toBeGreaterThan(2800);
  });

  it.each([
    ['an unknown workspace', '/repositories/no-such-workspace'],
    ['a workspace the user is not a member of', `/repositories/${OUTSIDER_WORKSPACE_SLUG}`],
    ['an unknown workspace (details)', '/workspaces/no-such-workspace'],
  ])('answers 404 with an error body for %s', async (_, path) => {
    const sim = shared();
    const { status, headers, body } = await getJson(sim, path);
    expect(status).toBe(404);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toMatchObject({ type: 'error', error: { message: expect.any(String), detail: expect.any(String) } });
  });

  it('answers 404 for an unknown route, and accepts one trailing slash', async () => {
    const sim = shared();
    const unknown = await getJson(sim, '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'error', error: { message: 'Resource not found' } });
    expect((await getJson(sim, '/user/')).status).toBe(200);
  });

  it.each(['/repositories', '/workspaces', '/user/permissions/workspaces', '/user/permissions/repositories'])(
    'answers 410 with the CHANGE-2770 body for the removed %s',
    async (path) => {
      const sim = shared();
      const { status, headers, body } = await getJson(sim, path);
      expect(status).toBe(410);
      expect(headers.get('access-control-allow-origin')).toBe('*');
      expect(body).toEqual(CHANGE_2770);
    },
  );

  it('answers 405 to a method other than GET', async () => {
    const sim = shared();
    const response = await fetch(`${sim.apiBase}/user`, { method: 'DELETE', headers: { Authorization: `Bearer ${sim.issueToken()}` } });
    expect(response.status).toBe(405);
    expect((await response.json()).type).toBe('error');
  });

  it('logs each request with its status and body length', async () => {
    const sim = await start();
    const response = await fetch(`${sim.apiBase}/user`, { headers: { Authorization: `Bearer ${sim.issueToken()}`, 'X-Trace': 'abc' } });
    const length = Buffer.byteLength(await response.text());
    const [record] = sim.requests();
    expect(sim.requests()).toHaveLength(1);
    expect(record).toMatchObject({ server: 'api', method: 'GET', url: `${sim.apiBase}/user`, status: 200, bytes: length });
    expect(record?.headers['x-trace']).toBe('abc');
    expect(record?.headers['authorization']).toMatch(/^Bearer sha256:[0-9a-f]{8}$/);
    expect(Number(response.headers.get('content-length'))).toBe(length);
    sim.clearRequests();
    expect(sim.requests()).toEqual([]);
  });
});

describe('the request log keeps no credential', () => {
  it('keeps Authorization as its scheme and a short fingerprint, for Bearer and Basic alike', async () => {
    const sim = await start();
    const token = sim.issueToken();
    const basic = Buffer.from('demo@example.com:demo-api-token').toString('base64');
    await fetch(`${sim.apiBase}/user`, { headers: { Authorization: `Bearer ${token}` } });
    await fetch(`${sim.apiBase}/user`, { headers: { Authorization: `Basic ${basic}` } });
    const [bearerRecord, basicRecord] = sim.requests();
    expect(bearerRecord?.headers['authorization']).toBe(`Bearer ${fingerprint(token)}`);
    expect(basicRecord?.headers['authorization']).toBe(`Basic ${fingerprint(basic)}`);
    // The same credential, the same fingerprint: a test can still tell which request carried which.
    expect(fingerprint(token)).toMatch(/^sha256:[0-9a-f]{8}$/);
    expect(fingerprint(token)).not.toBe(fingerprint(`${token}x`));
    const log = JSON.stringify(sim.requests());
    for (const secret of [token, basic, 'demo-api-token']) expect(log).not.toContain(secret);
  });

  it("keeps neither a client's Basic credentials at the token endpoint, nor cookies, nor a token in the query", async () => {
    const sim = await start();
    const token = sim.issueToken();
    const client = Buffer.from('demo-client:demo-secret').toString('base64');
    await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${client}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: 'session=s3cr3t-cookie; other=x',
      },
      body: 'grant_type=authorization_code&code=abc',
    });
    await fetch(`${sim.apiBase}/user?access_token=${token}&pagelen=1`);
    const [tokenRecord, queryRecord] = sim.requests();
    expect(tokenRecord?.headers['authorization']).toBe(`Basic ${fingerprint(client)}`);
    expect(tokenRecord?.headers['cookie']).toBe(`session=${fingerprint('s3cr3t-cookie')}; other=${fingerprint('x')}`);
    expect(queryRecord?.url).toBe(`${sim.apiBase}/user?access_token=${fingerprint(token).replace(':', '%3A')}&pagelen=1`);
    const log = JSON.stringify(sim.requests());
    for (const secret of [token, client, 'demo-secret', 's3cr3t-cookie']) expect(log).not.toContain(secret);
  });
});

const ALLOWED = 'Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Origin, Range';
const EXPOSED = 'Accept-Ranges, Content-Encoding, Content-Length, Content-Type, ETag, Last-Modified';

function preflight(sim: Simulator, path: string, requestHeaders: string, method = 'GET'): Promise<Response> {
  return fetch(`${sim.apiBase}${path}`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://localhost:3000',
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': requestHeaders,
    },
  });
}

describe('CORS on the API server', () => {
  it('allows a preflight for Authorization: 204, Json origin, the documented headers, no Max-Age', async () => {
    const sim = shared();
    const response = await preflight(sim, '/repositories/acme-platform?page=2', 'authorization');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
    expect(response.headers.get('access-control-max-age')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('compares header names case-insensitively', async () => {
    const sim = shared();
    expect((await preflight(sim, '/user', 'AUTHORIZATION, Content-Type, if-none-match')).status).toBe(204);
  });

  it.each(['user-agent', 'x-custom', 'authorization, x-requested-by'])(
    'fails a preflight asking for %s: no CORS headers, so the browser blocks the request',
    async (requestHeaders) => {
      const sim = shared();
      const response = await preflight(sim, '/user', requestHeaders);
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBeNull();
    },
  );

  it('fails a preflight for a method it does not allow', async () => {
    const sim = shared();
    const response = await preflight(sim, '/user', 'authorization', 'TRACE');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts Allow-Origin * and the exposed headers on answers and errors alike', async () => {
    const sim = shared();
    const token = sim.issueToken();
    const cases: Array<[string, Record<string, string>, number]> = [
      ['/user', { Authorization: `Bearer ${token}` }, 200],
      ['/user', {}, 401],
      ['/nowhere', {}, 404],
      ['/repositories', {}, 410],
      ['/repositories/acme-platform?pagelen=x', { Authorization: `Bearer ${token}` }, 400],
    ];
    for (const [path, headers, status] of cases) {
      const response = await fetch(`${sim.apiBase}${path}`, { headers: { Origin: 'http://localhost:3000', ...headers } });
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')).toBe(EXPOSED);
    }
  });

  it('logs preflights like Json request', async () => {
    const sim = await start();
    await preflight(sim, '/user', 'authorization');
    await preflight(sim, '/user', 'x-custom');
    expect(sim.requests().map((record) => [record.method, record.status])).toEqual([
      ['OPTIONS', 204],
      ['OPTIONS', 403],
    ]);
  });

  it('sends no CORS headers from the authorization server', async () => {
    const sim = shared();
    const page = await fetch(`${sim.authorizeUrl}?client_id=demo-client&response_type=token`, {
      headers: { Origin: 'http://localhost:3000' },
    });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});
