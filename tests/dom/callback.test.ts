// @vitest-environment jsdom
import { screen, within } from '@testing-library/dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { markArrived } from '../../src/arrived.ts';
import { completeSignIn } from '../../src/callback-page.ts';
import { loadTemplates } from '../support/page-templates.ts';

/** Opens the callback page at `url` with `pending` stored, as the browser would. */
async function openCallback(url: string, pending?: { state: string; returnTo: string; createdAt?: number }) {
  document.body.innerHTML = '<main><h1 id="callback-heading" tabindex="-1">Signing you in…</h1><div id="callback"></div></main>';
  loadTemplates('oauth-callback.html');
  sessionStorage.clear();
  if (pending) sessionStorage.setItem('bitbucket-starter:pending-sign-in', JSON.stringify({ createdAt: Date.now(), ...pending }));
  history.replaceState(null, '', url);
  // A fresh page load: the core's own record of the callbacks it handled starts empty.
  vi.resetModules();
  const { createBitbucketSignIn } = await import('../../packages/bitbucket-browser-auth/src/index.ts');
  const auth = createBitbucketSignIn({
    clientId: 'KEY',
    redirectUri: `${location.origin}/oauth-callback`,
    storageKey: 'bitbucket-starter',
  });
  const replace = vi.fn<(url: string) => void>();
  await completeSignIn(auth, {
    base: '/',
    markArrived: () => markArrived(sessionStorage),
    replace,
    root: document.getElementById('callback') as HTMLElement,
    heading: document.getElementById('callback-heading') as HTMLElement,
    setTitle: (title) => void (document.title = title),
  });
  return { replace };
}

const token = 'access_token=tok-abc&token_type=bearer&expires_in=7200&scopes=account%20repository';

beforeEach(() => {
  localStorage.clear();
});

describe('callback page', () => {
  it('clears the fragment, stores the token in sessionStorage only, and returns to where the user started', async () => {
    const before = Date.now();
    const { replace } = await openCallback(`/oauth-callback#${token}&state=s1`, { state: 's1', returnTo: '/?q=api' });
    expect(location.href).toBe('http://localhost:3000/oauth-callback');
    const stored = JSON.parse(sessionStorage.getItem('bitbucket-starter:session') ?? '{}') as {
      accessToken: string;
      expiresAt: number;
      scopes: string[];
    };
    expect(stored.accessToken).toBe('tok-abc');
    expect(stored.expiresAt).toBeGreaterThanOrEqual(before + 7200e3);
    expect(stored.scopes).toEqual(['account', 'repository']);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.getItem('bitbucket-starter:pending-sign-in')).toBeNull();
    expect(sessionStorage.getItem('bitbucket-starter:just-signed-in')).toBe('1');
    expect(replace).toHaveBeenCalledWith('/?q=api');
  });

  it('never returns to another origin, whatever was stored', async () => {
    const { replace } = await openCallback(`/oauth-callback#${token}&state=s1`, { state: 's1', returnTo: '//evil.example/' });
    expect(replace).toHaveBeenCalledWith('/');
  });

  it.each([
    [
      'a cancelled sign-in',
      '/oauth-callback#error=access_denied&error_description=The+user+cancelled&state=s1',
      { state: 's1', returnTo: '/' },
      /did not grant access/,
    ],
    ['an error in the query', '/oauth-callback?error=access_denied&state=s1', { state: 's1', returnTo: '/' }, /did not grant access/],
    ['a wrong state', `/oauth-callback#${token}&state=forged`, { state: 's1', returnTo: '/' }, /could not be verified/],
    ['a token with no stored state', `/oauth-callback#${token}&state=s1`, undefined, /not started here/],
    ['a token without state', `/oauth-callback#${token}`, { state: 's1', returnTo: '/' }, /could not be verified/],
    [
      'a missing token',
      '/oauth-callback#token_type=bearer&expires_in=7200&state=s1',
      { state: 's1', returnTo: '/' },
      /did not carry a usable access token/,
    ],
    [
      'Bitbucket (or the relay) unavailable',
      '/oauth-callback#error=temporarily_unavailable&state=s1',
      { state: 's1', returnTo: '/' },
      /just now.*Try again in a moment/s,
    ],
    [
      'Bitbucket refusing the implicit grant',
      '/oauth-callback#error=unsupported_response_type&state=s1',
      { state: 's1', returnTo: '/' },
      /27 February 2026.*relay/s,
    ],
  ])('%s: stores nothing and explains in an alert with a way back', async (_name, url, pending, message) => {
    const { replace } = await openCallback(url, pending);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(message);
    expect(sessionStorage.getItem('bitbucket-starter:session')).toBeNull();
    expect(sessionStorage.getItem('bitbucket-starter:pending-sign-in')).toBeNull();
    expect(location.hash).toBe('');
    expect(location.search).toBe('');
    expect(replace).not.toHaveBeenCalled();
    expect(sessionStorage.getItem('bitbucket-starter:just-signed-in')).toBeNull();
    expect(screen.getByRole('link', { name: /try again/i }).getAttribute('href')).toBe('/');
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'Sign-in failed' }));
    expect(document.title).toBe('Sign-in failed — Bitbucket sign-in starter');
  });

  it('links to Atlassian’s notice when Bitbucket no longer does the implicit grant', async () => {
    await openCallback('/oauth-callback#error=unauthorized_client', { state: 's1', returnTo: '/' });
    expect(within(screen.getByRole('alert')).getByRole('link').getAttribute('href')).toMatch(
      /^https:\/\/community\.developer\.atlassian\.com\//,
    );
  });
});
