// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { basic, bearer, fragmentOf, manualClock, obtainCode, postConsent, postToken, queryOf, sharedSimulator, start } from './helpers.ts';

const shared = sharedSimulator();

const CALLBACK = 'http://localhost:3000/';

async function getAuthorize(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

describe('GET /site/oauth2/authorize: consent page', () => {
  it('names the app, the user and the permissions, with Grant and Cancel buttons in a POST form', async () => {
    const sim = shared();
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=s1`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(page).toContain('Bitbucket starter (demo)');
    expect(page).toContain('Dana Demo');
    expect(page).toContain('Account: Read');
    expect(page).toContain('Repositories: Read');
    expect(page).toMatch(/<form method="post" action="\/site\/oauth2\/authorize">/);
    expect(page).toMatch(/<button type="submit" name="decision" value="grant"[^>]*>Grant access<\/button>/);
    expect(page).toMatch(/<button type="submit" name="decision" value="cancel"[^>]*>Cancel<\/button>/);
    expect(page).toContain('<input type="hidden" name="state" value="s1">');
    expect(page).toContain('<input type="hidden" name="client_id" value="demo-client">');
    expect(page).not.toContain('<script');
  });

  it('escapes every value it shows', async () => {
    const sim = await start({
      hostile: true,
      clients: [{ clientId: 'evil', name: '<script>alert("app")</script>', callbackUrl: CALLBACK }],
    });
    const state = '"><img src=x onerror=alert(1)>';
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=evil&response_type=token&state=${encodeURIComponent(state)}`);
    const page = await response.text();

    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;alert(&quot;app&quot;)&lt;/script&gt;');
    expect(page).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  it('accepts a redirect_uri that starts with the callback URL and carries it on', async () => {
    const sim = shared();
    const redirectUri = `${CALLBACK}oauth-callback`;
    const response = await getAuthorize(
      `${sim.authorizeUrl}?client_id=demo-client&response_type=token&redirect_uri=${encodeURIComponent(redirectUri)}`,
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<input type="hidden" name="redirect_uri" value="${redirectUri}">`);
  });

  it.each([
    ['another host', 'https://evil.example/'],
    ['a look-alike host', 'http://localhost:3000.evil.example/'],
    ['another port', 'http://localhost:3001/'],
  ])('shows "Invalid redirect_uri" and does not redirect for %s', async (_, redirectUri) => {
    const sim = shared();
    const response = await getAuthorize(
      `${sim.authorizeUrl}?client_id=demo-client&response_type=token&redirect_uri=${encodeURIComponent(redirectUri)}`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Invalid redirect_uri — This integration is misconfigured');
  });

  it.each([
    ['an unknown client_id', 'client_id=nobody&response_type=token'],
    ['no client_id', 'response_type=token'],
  ])('shows an error page without redirecting for %s', async (_, query) => {
    const sim = shared();
    const response = await getAuthorize(`${sim.authorizeUrl}?${query}&redirect_uri=${encodeURIComponent(CALLBACK)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('Invalid client_id');
  });

  it('rejects a repeated parameter', async () => {
    const sim = shared();
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=a&state=b`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('answers a consumer without a callback URL with invalid_request', async () => {
    const sim = await start({ clients: [{ clientId: 'bare', name: 'Bare', callbackUrl: '' }] });
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=bare&response_type=token`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error_description: 'No callback uri defined for the OAuth client.', error: 'invalid_request' });
  });

  it('redirects an unsupported response_type to the query, with the state', async () => {
    const sim = shared();
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=foo&state=s2`);
    expect(response.status).toBe(303);
    const location = response.headers.get('location');
    expect(location?.startsWith(`${CALLBACK}?`)).toBe(true);
    const params = queryOf(location);
    expect(params.get('error')).toBe('unsupported_response_type');
    expect(params.get('error_description')).toBeTruthy();
    expect(params.get('state')).toBe('s2');
  });

  it('redirects a token-like unsupported response_type to the fragment', async () => {
    const sim = shared();
    const response = await getAuthorize(
      `${sim.authorizeUrl}?client_id=demo-client&response_type=${encodeURIComponent('token id_token')}&state=s3`,
    );
    const location = response.headers.get('location');
    expect(location?.startsWith(`${CALLBACK}#`)).toBe(true);
    expect(fragmentOf(location).get('error')).toBe('unsupported_response_type');
    expect(fragmentOf(location).get('state')).toBe('s3');
  });
});

describe('POST /site/oauth2/authorize: implicit grant', () => {
  it('grants: 303 to the callback with the token in the fragment, usable on the API', async () => {
    const sim = shared();
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', state: 'xyz', decision: 'grant' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(
      /^http:\/\/localhost:3000\/#access_token=[\w-]+&scopes=account%20repository&expires_in=7200&token_type=bearer&state=xyz$/,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');

    const token = fragmentOf(location).get('access_token') ?? '';
    const user = await fetch(`${sim.apiBase}/user`, { headers: bearer(token) });
    expect(user.status).toBe(200);
  });

  it('leaves out state when none was sent, and uses the redirect_uri given', async () => {
    const sim = shared();
    const response = await postConsent(sim, {
      client_id: 'demo-client',
      response_type: 'token',
      redirect_uri: `${CALLBACK}cb`,
      decision: 'grant',
    });
    const location = response.headers.get('location') ?? '';
    expect(location.startsWith(`${CALLBACK}cb#access_token=`)).toBe(true);
    expect(fragmentOf(location).has('state')).toBe(false);
  });

  it('uses `scope` in the fragment when scopeParam is "scope", and the configured lifetime', async () => {
    const sim = await start({ scopeParam: 'scope', tokenLifetimeSeconds: 3600 });
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', decision: 'grant' });
    const fragment = fragmentOf(response.headers.get('location'));
    expect(fragment.get('scope')).toBe('account repository');
    expect(fragment.has('scopes')).toBe(false);
    expect(fragment.get('expires_in')).toBe('3600');
  });

  it('cancels: 303 with access_denied in the fragment', async () => {
    const sim = shared();
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', state: 'st', decision: 'cancel' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location');
    expect(location?.startsWith(`${CALLBACK}#`)).toBe(true);
    const fragment = fragmentOf(location);
    expect(fragment.get('error')).toBe('access_denied');
    expect(fragment.get('error_description')).toBeTruthy();
    expect(fragment.get('state')).toBe('st');
    expect(fragment.has('access_token')).toBe(false);
  });

  it('checks the posted fields again: an edited redirect_uri is refused', async () => {
    const sim = shared();
    const response = await postConsent(sim, {
      client_id: 'demo-client',
      response_type: 'token',
      redirect_uri: 'https://evil.example/',
      decision: 'grant',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('refuses a form without a decision', async () => {
    const sim = shared();
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token' });
    expect(response.status).toBe(400);
  });
});

describe('POST /site/oauth2/authorize: authorization-code grant', () => {
  it('grants: 303 with a code and the state in the query', async () => {
    const sim = shared();
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'code', state: 'c1', decision: 'grant' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location');
    expect(location?.startsWith(`${CALLBACK}?code=`)).toBe(true);
    expect(queryOf(location).get('code')).toMatch(/^[\w-]{20,}$/);
    expect(queryOf(location).get('state')).toBe('c1');
  });

  it('cancels: 303 with access_denied in the query', async () => {
    const sim = shared();
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'code', state: 'c2', decision: 'cancel' });
    const location = response.headers.get('location');
    expect(location?.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(queryOf(location).get('error')).toBe('access_denied');
    expect(queryOf(location).get('error_description')).toBeTruthy();
    expect(queryOf(location).get('state')).toBe('c2');
  });
});

describe('POST /site/oauth2/access_token', () => {
  it('exchanges a code for a token (JSON, no CORS, no-store) that works on the API', async () => {
    const sim = shared();
    const code = await obtainCode(sim);
    const response = await postToken(sim, { grant_type: 'authorization_code', code });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toEqual({
      access_token: expect.any(String),
      scope: 'account repository',
      expires_in: 7200,
      token_type: 'bearer',
      state: 'authorization_code',
      refresh_token: expect.any(String),
    });
    const user = await fetch(`${sim.apiBase}/user`, { headers: bearer(body.access_token) });
    expect(user.status).toBe(200);
  });

  it.each([
    ['a wrong secret', basic('demo-client', 'wrong')],
    ['an unknown client', basic('nobody', 'demo-secret')],
    ['no credentials', null],
    ['a Bearer header', 'Bearer demo-secret'],
  ])('answers 401 invalid_client for %s', async (_, authorization) => {
    const sim = shared();
    const code = await obtainCode(sim);
    const response = await postToken(sim, { grant_type: 'authorization_code', code }, authorization);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client', error_description: expect.any(String) });
  });

  it('refuses a client that has no secret', async () => {
    const sim = await start({ clients: [{ clientId: 'public', name: 'Public', callbackUrl: 'http://localhost:3000/' }] });
    const response = await postToken(sim, { grant_type: 'authorization_code', code: 'x' }, basic('public', ''));
    expect(response.status).toBe(401);
  });

  it('accepts a code only once', async () => {
    const sim = shared();
    const code = await obtainCode(sim);
    expect((await postToken(sim, { grant_type: 'authorization_code', code })).status).toBe(200);
    const again = await postToken(sim, { grant_type: 'authorization_code', code });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an unknown code', async () => {
    const sim = shared();
    const response = await postToken(sim, { grant_type: 'authorization_code', code: 'made-up' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('expires codes after codeLifetimeSeconds (60 s by default) on the injected clock', async () => {
    const clock = manualClock();
    const sim = await start({ now: clock.now });
    const fresh = await obtainCode(sim);
    const stale = await obtainCode(sim);
    clock.advance(59_000);
    expect((await postToken(sim, { grant_type: 'authorization_code', code: fresh })).status).toBe(200);
    clock.advance(2_000);
    const response = await postToken(sim, { grant_type: 'authorization_code', code: stale });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('requires the same redirect_uri when the authorize request carried one', async () => {
    const sim = shared();
    const redirectUri = 'http://localhost:3000/callback';
    const mismatched = await obtainCode(sim, { redirect_uri: redirectUri });
    const bad = await postToken(sim, { grant_type: 'authorization_code', code: mismatched, redirect_uri: 'http://localhost:3000/other' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_grant' });

    const matched = await obtainCode(sim, { redirect_uri: redirectUri });
    const good = await postToken(sim, { grant_type: 'authorization_code', code: matched, redirect_uri: redirectUri });
    expect(good.status).toBe(200);
  });

  it('refuses a code issued to another client', async () => {
    const sim = await start({
      clients: [
        { clientId: 'demo-client', name: 'Demo', callbackUrl: 'http://localhost:3000/', secret: 'demo-secret' },
        { clientId: 'other', name: 'Other', callbackUrl: 'http://localhost:4000/', secret: 'other-secret' },
      ],
    });
    const code = await obtainCode(sim);
    const response = await postToken(sim, { grant_type: 'authorization_code', code }, basic('other', 'other-secret'));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers unsupported_grant_type for other grants and invalid_request without one', async () => {
    const sim = shared();
    const password = await postToken(sim, { grant_type: 'password', username: 'a', password: 'b' });
    expect(password.status).toBe(400);
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const none = await postToken(sim, {});
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a JSON body', async () => {
    const sim = shared();
    const response = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic('demo-client', 'demo-secret') },
      body: JSON.stringify({ grant_type: 'authorization_code', code: 'x' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('trades a refresh token for a new access token', async () => {
    const sim = shared();
    const first = await (await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) })).json();
    const response = await postToken(sim, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(response.status).toBe(200);
    const second = await response.json();
    expect(second.access_token).not.toBe(first.access_token);
    expect((await fetch(`${sim.apiBase}/user`, { headers: bearer(second.access_token) })).status).toBe(200);
    const bad = await postToken(sim, { grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(bad.status).toBe(400);
  });

  it('does not answer a CORS preflight: a browser cannot call it', async () => {
    const sim = shared();
    const response = await fetch(sim.tokenUrl, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.status).toBeGreaterThanOrEqual(400);
  });
});
