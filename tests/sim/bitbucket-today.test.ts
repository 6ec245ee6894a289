// @vitest-environment node
/**
 * `bitbucketToday` (`--bitbucket-today`): the simulator as Bitbucket Cloud behaves in 2026, next to
 * the classic behaviour the demo keeps. docs/bitbucket.md gives the source of each behaviour.
 */
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../sim/cli-args.ts';
import { fingerprint } from '../../sim/index.ts';
import { basic, bearer, fragmentOf, getJson, manualClock, obtainCode, postConsent, postToken, start } from './helpers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

async function tokens(response: Response): Promise<Record<string, unknown>> {
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('bitbucketToday: the authorization server', () => {
  it('refuses the implicit grant, as since 27 February 2026', async () => {
    const sim = await start({ bitbucketToday: true });
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', state: 's', decision: 'grant' });
    const fragment = fragmentOf(response.headers.get('location'));
    expect(fragment.get('error')).toBe('unsupported_response_type');
    expect(fragment.has('access_token')).toBe(false);
  });

  it('keeps the implicit grant when asked explicitly: an option set by hand wins over the mode', async () => {
    const sim = await start({ bitbucketToday: true, implicitGrant: true });
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', decision: 'grant' });
    const fragment = fragmentOf(response.headers.get('location'));
    expect(fragment.get('expires_in')).toBe('3600');
    expect(fragment.has('scope')).toBe(true);
    expect(fragment.has('scopes')).toBe(false);
  });

  it('answers the token endpoint with scope and expires_in 3600', async () => {
    const sim = await start({ bitbucketToday: true });
    const body = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    expect(body).toMatchObject({ scope: 'account repository', expires_in: 3600, token_type: 'bearer' });
    expect(body).not.toHaveProperty('scopes');
    // The access token really lives an hour.
    expect((await getJson(sim, '/user', bearer(String(body.access_token)))).status).toBe(200);
  });

  it('rotates the refresh token on each use and refuses the old one afterwards', async () => {
    const sim = await start({ bitbucketToday: true });
    const first = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    const second = await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const again = await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    // The successor works (once).
    await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(second.refresh_token) }));
  });

  it('tells which rotated refresh tokens were presented again (by fingerprint), and only those', async () => {
    const sim = await start({ bitbucketToday: true });
    const first = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
    await postToken(sim, { grant_type: 'refresh_token', refresh_token: 'never-issued' });
    expect(sim.refreshTokensUsedTwice()).toEqual([]);
    await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
    expect(sim.refreshTokensUsedTwice()).toEqual([fingerprint(String(first.refresh_token))]);
  });

  it('expires a refresh token left unused for 90 days; one used before then lives on in its successor', async () => {
    const clock = manualClock();
    const sim = await start({ bitbucketToday: true, now: clock.now });
    const a = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    const b = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    clock.advance(89 * DAY_MS);
    const renewed = await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(a.refresh_token) }));
    clock.advance(DAY_MS);
    const expired = await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(b.refresh_token) });
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant', error_description: 'The refresh token has expired.' });
    await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(renewed.refresh_token) }));
  });

  it('classic: the refresh token never rotates and never expires', async () => {
    const clock = manualClock();
    const sim = await start({ now: clock.now });
    const first = await tokens(await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) }));
    clock.advance(400 * DAY_MS);
    const second = await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.expires_in).toBe(7200);
    await tokens(await postToken(sim, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }));
  });

  it.each([
    ['no credentials', null],
    ['a wrong secret', basic('demo-client', 'wrong')],
    ['an unknown client', basic('someone', 'demo-secret')],
  ])('answers unauthorized_client for %s', async (_, authorization) => {
    const sim = await start({ bitbucketToday: true });
    const response = await postToken(sim, { grant_type: 'authorization_code', code: 'x' }, authorization);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'unauthorized_client',
      error_description: 'Requests must be authenticated using OAuth client credentials',
    });
  });
});

describe('API tokens carry Atlassian scope names', () => {
  const email = 'me@example.org';
  const token = 'api-token-1';

  it('a token without read:workspace:bitbucket gets 403 on /user/workspaces with the required and granted scopes', async () => {
    const granted = ['read:user:bitbucket', 'read:repository:bitbucket'];
    const sim = await start({ bitbucketToday: true, apiTokens: [{ email, token, scopes: granted }] });
    const auth = { Authorization: basic(email, token) };
    expect((await getJson(sim, '/user', auth)).status).toBe(200);
    const refused = await getJson(sim, '/user/workspaces', auth);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      type: 'error',
      error: {
        message: 'Your credentials lack one or more required privilege scopes.',
        detail: { granted, required: ['read:workspace:bitbucket'] },
      },
    });
    expect((await getJson(sim, '/repositories/dana-demo', auth)).status).toBe(200);
  });

  it('a token with the three read scopes (the default) reaches every endpoint the app uses', async () => {
    const sim = await start({ bitbucketToday: true, apiTokens: [{ email, token }] });
    const auth = { Authorization: basic(email, token) };
    for (const path of ['/user', '/user/workspaces', '/workspaces/dana-demo', '/repositories/dana-demo']) {
      expect((await getJson(sim, path, auth)).status, path).toBe(200);
    }
  });

  it('an OAuth scope name does not stand in for an Atlassian one', async () => {
    const sim = await start({ apiTokens: [{ email, token, scopes: ['account', 'repository'] }] });
    const refused = await getJson(sim, '/user', { Authorization: basic(email, token) });
    expect(refused.status).toBe(403);
    expect(refused.body.error.detail.required).toEqual(['read:user:bitbucket']);
  });
});

describe('faults without CORS headers', () => {
  it.each([429, 503])('answers %i without Access-Control-Allow-Origin when the rule says cors: false', async (status) => {
    const sim = await start({ bitbucketToday: true });
    sim.configure({ faults: [{ path: '/user', kind: 'status', status, cors: false, times: 1 }] });
    const stripped = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(stripped.status).toBe(status);
    expect(stripped.headers.get('access-control-allow-origin')).toBeNull();
    // The next answer is the API's own, with CORS as always.
    const normal = await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(normal.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses cors on a rule that is not a status rule', async () => {
    const sim = await start();
    expect(() => sim.configure({ faults: [{ path: '/user', kind: 'drop', cors: false }] })).toThrow(/cors/);
  });
});

describe('switching the mode', () => {
  it('at run time: configure({ bitbucketToday: true }) brings the mode defaults, and back', async () => {
    const sim = await start();
    sim.configure({ bitbucketToday: true });
    let response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', decision: 'grant' });
    expect(fragmentOf(response.headers.get('location')).get('error')).toBe('unsupported_response_type');
    sim.configure({ bitbucketToday: false });
    response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', decision: 'grant' });
    expect(fragmentOf(response.headers.get('location')).get('expires_in')).toBe('7200');
  });

  it('from the command line: --bitbucket-today', () => {
    expect(parseCliArgs(['--bitbucket-today'])).toEqual({ kind: 'run', options: { authPort: 3100, apiPort: 3101, bitbucketToday: true } });
    expect(parseCliArgs(['--bitbucket-today=yes'])).toEqual({ kind: 'error', message: '--bitbucket-today takes no value' });
  });
});

describe('GET /2.0/repositories/{workspace}/{repo_slug}', () => {
  it('answers one repository by slug, the same object the list holds, and 404 for an unknown slug', async () => {
    const sim = await start();
    const listed = sim.data.workspaces[0]?.repositories[0];
    const { status, body } = await getJson(sim, `/repositories/dana-demo/${listed?.slug ?? ''}`);
    expect(status).toBe(200);
    expect(body).toEqual(listed);
    expect((await getJson(sim, '/repositories/dana-demo/no-such-repository')).status).toBe(404);
    expect((await getJson(sim, '/repositories/nobody/x')).status).toBe(404);
  });
});
