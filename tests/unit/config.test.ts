import { describe, expect, it } from 'vitest';
import { callbackUrl, readConfig } from '../../src/config.ts';

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
    ['VITE_BITBUCKET_API_URL', 'ws://localhost:3101/2.0', 'BAD_API_URL'],
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

describe('readConfig, each setting', () => {
  const read = (env: Parameters<typeof readConfig>[0], hostname = 'app.example') => {
    const result = readConfig(env, hostname);
    if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
    return result.config;
  };

  it('trims the client id, and the URLs (a stray space from a .env file is not a different value)', () => {
    const config = read({ VITE_BITBUCKET_CLIENT_ID: ' KEY \n', VITE_BITBUCKET_API_URL: ' https://api.example/2.0 ' });
    expect(config.clientId).toBe('KEY');
    expect(config.apiUrl).toBe('https://api.example/2.0');
  });

  it('falls back to Bitbucket’s URLs when a variable is set but blank', () => {
    const config = read({ VITE_BITBUCKET_AUTHORIZE_URL: '  ', VITE_BITBUCKET_API_URL: '' });
    expect(config.authorizeUrl.href).toBe('https://bitbucket.org/site/oauth2/authorize');
    expect(config.apiUrl).toBe('https://api.bitbucket.org/2.0');
  });

  it('strips every trailing slash from the API URL, and nothing else', () => {
    expect(read({ VITE_BITBUCKET_API_URL: 'https://api.example/2.0///' }).apiUrl).toBe('https://api.example/2.0');
    expect(read({ VITE_BITBUCKET_API_URL: 'https://api.example/v/2.0' }).apiUrl).toBe('https://api.example/v/2.0');
  });

  it('is in demo mode only when VITE_DEMO is exactly "true"', () => {
    expect(read({ VITE_DEMO: 'true' }).demo).toBe(true);
    expect(read({ VITE_DEMO: 'false' }).demo).toBe(false);
    expect(read({ VITE_DEMO: '1' }).demo).toBe(false);
    expect(read({}).demo).toBe(false);
  });

  it.each([
    ['a user name', 'https://user@api.example/2.0'],
    ['a password', 'https://:secret@api.example/2.0'],
    ['a fragment', 'https://api.example/2.0#x'],
  ])('refuses an API URL with %s (it would leak or be dropped)', (_name, value) => {
    expect(readConfig({ VITE_BITBUCKET_API_URL: value }, 'localhost')).toEqual({
      ok: false,
      problems: [{ code: 'BAD_API_URL', variable: 'VITE_BITBUCKET_API_URL', value }],
    });
  });

  it('reports a wrong URL as it was read: without the stray spaces', () => {
    expect(readConfig({ VITE_BITBUCKET_AUTHORIZE_URL: ' nope\n' }, 'localhost')).toEqual({
      ok: false,
      problems: [{ code: 'BAD_AUTHORIZE_URL', variable: 'VITE_BITBUCKET_AUTHORIZE_URL', value: 'nope' }],
    });
  });

  it('reports both URLs when both are wrong', () => {
    const result = readConfig({ VITE_BITBUCKET_AUTHORIZE_URL: 'nope', VITE_BITBUCKET_API_URL: 'http://api.example' }, 'localhost');
    expect(!result.ok && result.problems.map((p) => p.code)).toEqual(['BAD_AUTHORIZE_URL', 'BAD_API_URL']);
  });
});

describe('readConfig, the relay', () => {
  const read = (env: Record<string, string>) => readConfig({ VITE_BITBUCKET_CLIENT_ID: 'K', ...env }, 'app.example');

  it('has none by default, or when the variable is blank', () => {
    for (const env of [{}, { VITE_BITBUCKET_RELAY_URL: '  ' }]) {
      const result = read(env);
      expect(result.ok && result.config.relayUrl).toBeNull();
      expect(result.ok && result.config.authorizeUrl.href).toBe('https://bitbucket.org/site/oauth2/authorize');
    }
  });

  it('signs in at its /authorize, trimmed and without trailing slashes', () => {
    const result = read({ VITE_BITBUCKET_RELAY_URL: ' https://app.example/relay// ' });
    expect(result.ok && result.config.relayUrl).toBe('https://app.example/relay');
    expect(result.ok && result.config.authorizeUrl.href).toBe('https://app.example/relay/authorize');
  });

  it('leaves an authorize URL set explicitly as it is', () => {
    const result = read({
      VITE_BITBUCKET_RELAY_URL: 'https://app.example/relay',
      VITE_BITBUCKET_AUTHORIZE_URL: 'https://sso.example/authorize',
    });
    expect(result.ok && result.config.relayUrl).toBe('https://app.example/relay');
    expect(result.ok && result.config.authorizeUrl.href).toBe('https://sso.example/authorize');
  });

  it.each(['not a url', 'ftp://app.example/relay', 'http://app.example/relay'])('refuses %s, as it was read', (value) => {
    const result = read({ VITE_BITBUCKET_RELAY_URL: ` ${value} ` });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([{ code: 'BAD_RELAY_URL', variable: 'VITE_BITBUCKET_RELAY_URL', value }]);
  });
});

describe('callbackUrl', () => {
  it.each([
    ['/', 'http://localhost:3000/oauth-callback'],
    ['/starter/', 'http://localhost:3000/starter/oauth-callback'],
  ])('under base %s is %s', (base, expected) => {
    expect(callbackUrl('http://localhost:3000', base)).toBe(expected);
  });
});
