import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.ts';

describe('readConfig', () => {
  it('uses Bitbucket’s URLs by default', () => {
    const result = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'KEY' }, 'app.example');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.authorizeUrl.href).toBe('https://bitbucket.org/site/oauth2/authorize');
    expect(result.config.apiUrl).toBe('https://api.bitbucket.org/2.0');
    expect(result.config.apiTokenSignIn).toBe(false);
  });

  it('reports a missing client id but keeps working (API-token sign-in on localhost)', () => {
    const result = readConfig({}, 'localhost');
    expect(result.ok && result.config.clientId).toBe('');
    expect(result.ok && result.config.apiTokenSignIn).toBe(true);
  });

  it.each([
    ['VITE_BITBUCKET_AUTHORIZE_URL', 'not a url', 'BAD_AUTHORIZE_URL'],
    ['VITE_BITBUCKET_AUTHORIZE_URL', 'ftp://bitbucket.org/x', 'BAD_AUTHORIZE_URL'],
    ['VITE_BITBUCKET_API_URL', 'api.bitbucket.org/2.0', 'BAD_API_URL'],
    ['VITE_BITBUCKET_API_URL', 'javascript:alert(1)', 'BAD_API_URL'],
    ['VITE_BITBUCKET_API_URL', 'http://api.example.com/2.0', 'BAD_API_URL'],
  ])('refuses %s=%s', (variable, value, code) => {
    const result = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'KEY', [variable]: value }, 'localhost');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([{ code, variable, value }]);
  });

  it('strips a trailing slash from the API URL', () => {
    const result = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'K', VITE_BITBUCKET_API_URL: 'http://localhost:3101/2.0/' }, 'localhost');
    expect(result.ok && result.config.apiUrl).toBe('http://localhost:3101/2.0');
  });

  it('accepts the simulator over TLS (npm run simulator -- --http2) on this machine', () => {
    const result = readConfig({ VITE_BITBUCKET_CLIENT_ID: 'K', VITE_BITBUCKET_API_URL: 'https://localhost:3101/2.0' }, 'localhost');
    expect(result.ok && result.config.apiUrl).toBe('https://localhost:3101/2.0');
  });
});
