// @vitest-environment node
/**
 * `implicitGrant: false`: the simulator answers `response_type=token` as Bitbucket Cloud has since
 * 27 February 2026, with an OAuth error in the fragment instead of a consent page. The exact error
 * Bitbucket sends is unconfirmed; these tests pin what the simulator chose.
 */
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../sim/cli-args.ts';
import { fragmentOf, obtainCode, postConsent, postToken, queryOf, start } from './helpers.ts';

const CALLBACK = 'http://localhost:3000/';

function getAuthorize(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

describe('implicitGrant: false', () => {
  it('redirects response_type=token to the callback with #error=unsupported_response_type and the state, without a consent page', async () => {
    const sim = await start({ implicitGrant: false });
    const response = await getAuthorize(
      `${sim.authorizeUrl}?client_id=demo-client&response_type=token&redirect_uri=${encodeURIComponent(`${CALLBACK}oauth-callback`)}&state=s1`,
    );

    expect(response.status).toBe(303);
    expect(await response.text()).toBe('');
    const location = response.headers.get('location') ?? '';
    expect(location.startsWith(`${CALLBACK}oauth-callback#`)).toBe(true);
    const fragment = fragmentOf(location);
    expect([...fragment.keys()]).toEqual(['error', 'error_description', 'state']);
    expect(fragment.get('error')).toBe('unsupported_response_type');
    expect(fragment.get('error_description')).toBeTruthy();
    expect(fragment.get('state')).toBe('s1');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a posted consent form for the implicit grant too: no token is issued', async () => {
    const sim = await start({ implicitGrant: false });
    const response = await postConsent(sim, { client_id: 'demo-client', response_type: 'token', state: 'p1', decision: 'grant' });

    expect(response.status).toBe(303);
    const fragment = fragmentOf(response.headers.get('location'));
    expect(fragment.get('error')).toBe('unsupported_response_type');
    expect(fragment.get('state')).toBe('p1');
    expect(fragment.has('access_token')).toBe(false);
  });

  it('leaves out state when none was sent', async () => {
    const sim = await start({ implicitGrant: false });
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=token`);
    const fragment = fragmentOf(response.headers.get('location'));
    expect(fragment.get('error')).toBe('unsupported_response_type');
    expect(fragment.has('state')).toBe(false);
  });

  it('still checks client_id and redirect_uri first: an error page, never a redirect', async () => {
    const sim = await start({ implicitGrant: false });
    const unknownClient = await getAuthorize(`${sim.authorizeUrl}?client_id=nobody&response_type=token&state=s`);
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.headers.get('location')).toBeNull();

    const foreignRedirect = await getAuthorize(
      `${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=s&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(foreignRedirect.status).toBe(400);
    expect(foreignRedirect.headers.get('location')).toBeNull();
  });

  it('keeps the authorization-code grant working, consent page and token endpoint', async () => {
    const sim = await start({ implicitGrant: false });
    const consent = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=code&state=c1`);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('Grant access');

    const granted = await postConsent(sim, { client_id: 'demo-client', response_type: 'code', state: 'c1', decision: 'grant' });
    expect(queryOf(granted.headers.get('location')).get('code')).toBeTruthy();
    const token = await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ token_type: 'bearer' });
  });

  it('is on by default: response_type=token gets the consent page', async () => {
    const sim = await start();
    const response = await getAuthorize(`${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=d1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Grant access');
  });
});

describe('implicitGrant at run time', () => {
  it('can be switched off with configure() and comes back on with reset', async () => {
    const sim = await start();
    const url = `${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=r1`;

    sim.configure({ implicitGrant: false });
    expect(fragmentOf((await getAuthorize(url)).headers.get('location')).get('error')).toBe('unsupported_response_type');
    sim.configure({ implicitGrant: true });
    expect((await getAuthorize(url)).status).toBe(200);
  });

  it('is accepted by the control endpoint as a boolean only, and undone by POST /__sim/reset', async () => {
    const sim = await start();
    const control = sim.apiBase.replace(/\/2\.0$/, '/__sim');
    const configure = (body: unknown) =>
      fetch(`${control}/configure`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const url = `${sim.authorizeUrl}?client_id=demo-client&response_type=token&state=r2`;

    const wrong = await configure({ implicitGrant: 'no' });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain('implicitGrant');
    expect((await getAuthorize(url)).status).toBe(200);

    expect((await configure({ implicitGrant: false })).status).toBe(204);
    const refused = await getAuthorize(url);
    expect(refused.status).toBe(303);
    expect(fragmentOf(refused.headers.get('location')).get('error')).toBe('unsupported_response_type');

    expect((await fetch(`${control}/reset`, { method: 'POST' })).status).toBe(204);
    expect((await getAuthorize(url)).status).toBe(200);
  });
});

describe('--no-implicit-grant', () => {
  it('sets implicitGrant: false', () => {
    expect(parseCliArgs(['--no-implicit-grant'])).toEqual({
      kind: 'run',
      options: { authPort: 3100, apiPort: 3101, implicitGrant: false },
    });
  });

  it('takes no value', () => {
    expect(parseCliArgs(['--no-implicit-grant=true'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/takes no value/) });
  });
});
