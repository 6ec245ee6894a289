// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { formatConfigProblems, readRelayConfig } from '../../relay/config.ts';
import type { ConfigProblem, RelayEnv } from '../../relay/config.ts';
import { APP_CALLBACK, CLIENT_SECRET, RELAY_SECRET, testEnv } from './support.ts';

function problemsOf(env: RelayEnv): readonly ConfigProblem[] {
  const result = readRelayConfig(env);
  if (result.ok) throw new Error('expected configuration problems');
  return result.problems;
}

function codes(env: RelayEnv): string[] {
  return problemsOf(env).map((p) => `${p.variable} ${p.code}`);
}

describe('readRelayConfig', () => {
  it('accepts a complete environment and fills in the defaults', () => {
    const result = readRelayConfig(testEnv());
    expect(result).toEqual({
      ok: true,
      config: {
        clientId: 'relay-test-key',
        clientSecret: CLIENT_SECRET,
        allowedCallbacks: ['http://localhost:3000/oauth-callback', 'https://localhost:3443/oauth-callback'],
        relaySecret: RELAY_SECRET,
        port: 3001,
        host: '127.0.0.1',
        authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
        tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
        sessionLifetimeSeconds: 7_776_000,
      },
    });
  });

  it('names every missing variable at once', () => {
    expect(codes({})).toEqual([
      'BITBUCKET_CLIENT_ID MISSING',
      'BITBUCKET_CLIENT_SECRET MISSING',
      'RELAY_SECRET MISSING',
      'RELAY_ALLOWED_CALLBACKS MISSING',
    ]);
  });

  it('treats blank values as missing', () => {
    expect(codes(testEnv({ BITBUCKET_CLIENT_ID: '  ', RELAY_ALLOWED_CALLBACKS: ' , ' }))).toEqual([
      'BITBUCKET_CLIENT_ID MISSING',
      'RELAY_ALLOWED_CALLBACKS MISSING',
    ]);
  });

  // 16 distinct characters, each twice: long enough, and just varied enough.
  const sixteenDistinct = 'abcdefghijklmnop'.repeat(2);
  it.each([
    ['31 varied characters', 'abcdefghijklmnopqrstuvwxyz01234', 'TOO_SHORT'],
    ['32 × "a"', 'a'.repeat(32), 'TOO_UNIFORM'],
    ['a word repeated', 'password'.repeat(4), 'TOO_UNIFORM'],
    ['32 characters, 15 distinct', 'abcdefghijklmno'.repeat(2) + 'aa', 'TOO_UNIFORM'],
    ['a short secret of one character', 'x'.repeat(10), 'TOO_SHORT'],
  ])('refuses a RELAY_SECRET of %s, says how to make one, and never quotes it', (_name, secret, code) => {
    const problems = problemsOf(testEnv({ RELAY_SECRET: secret }));
    expect(problems.map((p) => `${p.variable} ${p.code}`)).toEqual([`RELAY_SECRET ${code}`]);
    expect(problems[0]?.message).toContain('openssl rand -base64 32');
    expect(problems[0]?.message).not.toContain(secret);
  });

  it.each([
    ['32 characters, 16 distinct', sixteenDistinct],
    ['the output of openssl rand -base64 32', 'k3Jx9QzV+2mPqL8wYt0bR7nE5sUa1cHd4fGiO6vTj+M='],
    ['a long phrase of many letters', 'correct horse battery staple, 1 2 3 4'],
  ])('accepts a RELAY_SECRET of %s', (_name, secret) => {
    expect(readRelayConfig(testEnv({ RELAY_SECRET: secret })).ok).toBe(true);
  });

  it('says how many distinct characters a uniform secret has', () => {
    expect(problemsOf(testEnv({ RELAY_SECRET: 'ab'.repeat(16) }))[0]?.message).toMatch(/only 2 distinct characters \(at least 16 needed\)/);
  });

  it.each([
    ['not-a-url', 'BAD_URL'],
    ['/oauth-callback', 'BAD_URL'],
    ['ftp://localhost/oauth-callback', 'BAD_URL'],
    ['javascript:alert(1)', 'BAD_URL'],
    ['https://app.example.com/oauth-callback#x', 'BAD_URL'],
    ['https://user:pw@app.example.com/oauth-callback', 'BAD_URL'],
    ['http://app.example.com/oauth-callback', 'NOT_HTTPS'],
    ['http://192.168.1.10:3000/oauth-callback', 'NOT_HTTPS'],
    ['https://App.Example.com/oauth-callback', 'NOT_CANONICAL'],
    ['https://app.example.com', 'NOT_CANONICAL'],
  ])('rejects the allowed callback %s (%s)', (entry, code) => {
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: entry }))).toEqual([`RELAY_ALLOWED_CALLBACKS ${code}`]);
  });

  it('accepts http only for localhost and 127.0.0.1, and trims list entries', () => {
    const result = readRelayConfig(
      testEnv({
        RELAY_ALLOWED_CALLBACKS: ' http://localhost:3000/oauth-callback , http://127.0.0.1:4173/app/oauth-callback ',
      }),
    );
    expect(result.ok && result.config.allowedCallbacks).toEqual([
      'http://localhost:3000/oauth-callback',
      'http://127.0.0.1:4173/app/oauth-callback',
    ]);
  });

  it('reports each bad entry of the list separately', () => {
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: 'http://a.example/cb,https://localhost:3443/cb,nope' }))).toEqual([
      'RELAY_ALLOWED_CALLBACKS NOT_HTTPS',
      'RELAY_ALLOWED_CALLBACKS BAD_URL',
    ]);
  });

  it('takes the simulator endpoints from BITBUCKET_AUTHORIZE_URL and BITBUCKET_TOKEN_URL', () => {
    const result = readRelayConfig(
      testEnv({
        BITBUCKET_AUTHORIZE_URL: 'http://localhost:8001/site/oauth2/authorize',
        BITBUCKET_TOKEN_URL: 'http://localhost:8001/site/oauth2/access_token',
      }),
    );
    expect(result.ok && [result.config.authorizeUrl, result.config.tokenUrl]).toEqual([
      'http://localhost:8001/site/oauth2/authorize',
      'http://localhost:8001/site/oauth2/access_token',
    ]);
  });

  it('refuses plain http Bitbucket endpoints away from this machine', () => {
    expect(codes(testEnv({ BITBUCKET_AUTHORIZE_URL: 'http://bitbucket.org/site/oauth2/authorize', BITBUCKET_TOKEN_URL: 'nope' }))).toEqual([
      'BITBUCKET_AUTHORIZE_URL NOT_HTTPS',
      'BITBUCKET_TOKEN_URL BAD_URL',
    ]);
  });

  it('turns RELAY_PUBLIC_URL into the relay callback URL, and wants an origin only', () => {
    const result = readRelayConfig(testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.com/' }));
    expect(result.ok && result.config.callbackUrl).toBe('https://relay.example.com/callback');
    expect(codes(testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.com/relay' }))).toEqual(['RELAY_PUBLIC_URL BAD_URL']);
    expect(codes(testEnv({ RELAY_PUBLIC_URL: 'http://relay.example.com' }))).toEqual(['RELAY_PUBLIC_URL NOT_HTTPS']);
  });

  it.each(['abc', '-1', '65536', '3001.5', '1e3'])('rejects PORT=%s', (port) => {
    expect(codes(testEnv({ PORT: port }))).toEqual(['PORT BAD_PORT']);
  });

  it('reads PORT and RELAY_HOST', () => {
    const result = readRelayConfig(testEnv({ PORT: '0', RELAY_HOST: '0.0.0.0', RELAY_PUBLIC_URL: 'https://relay.example.com' }));
    expect(result.ok && [result.config.port, result.config.host]).toEqual([0, '0.0.0.0']);
  });

  it.each(['0.0.0.0', '::', '192.0.2.10', 'relay.internal', '128.0.0.1', '127.0.0.1.example', '10.127.0.0.1', '::2'])(
    'refuses to listen on %s (not loopback) without RELAY_PUBLIC_URL, and says why',
    (host) => {
      const [problem, ...others] = problemsOf(testEnv({ RELAY_HOST: host }));
      expect(others).toEqual([]);
      expect(problem).toMatchObject({ variable: 'RELAY_PUBLIC_URL', code: 'MISSING' });
      expect(problem?.message).toMatch(/^RELAY_PUBLIC_URL is not set, but RELAY_HOST \(.+\) is not a loopback address/);
      expect(problem?.message).toContain('Secure and __Host-');
    },
  );

  it.each(['127.0.0.1', '127.1.2.3', '127.100.200.254', 'localhost', '::1', '[::1]'])(
    'listens on %s (loopback) without RELAY_PUBLIC_URL',
    (host) => {
      expect(readRelayConfig(testEnv({ RELAY_HOST: host })).ok).toBe(true);
    },
  );

  it.each(['127.0.0.1', 'localhost', '::1'])(
    'refuses to listen on %s (loopback) without RELAY_PUBLIC_URL when a callback is https off this machine (a TLS proxy in front), and says why',
    (host) => {
      const env = testEnv({ RELAY_HOST: host, RELAY_ALLOWED_CALLBACKS: `${APP_CALLBACK},https://app.example.com/oauth-callback` });
      const [problem, ...others] = problemsOf(env);
      expect(others).toEqual([]);
      expect(problem).toMatchObject({ variable: 'RELAY_PUBLIC_URL', code: 'MISSING' });
      expect(problem?.message).toBe(
        "RELAY_PUBLIC_URL is not set, but RELAY_ALLOWED_CALLBACKS names https://app.example.com/oauth-callback, an https address off this machine, so this relay is reached through a proxy that terminates TLS: set RELAY_PUBLIC_URL to the relay's public origin, such as https://relay.example.com, so that its cookies are Secure and __Host-.",
      );
      // With its public URL it starts.
      expect(readRelayConfig({ ...env, RELAY_PUBLIC_URL: 'https://relay.example.com' }).ok).toBe(true);
    },
  );

  it.each([
    ['http on this machine', 'http://127.0.0.1:3000/oauth-callback'],
    ['https on this machine', 'https://localhost:3443/oauth-callback'],
    ['https on [::1]', 'https://[::1]:3443/oauth-callback'],
  ])('listens on loopback without RELAY_PUBLIC_URL when every callback is on this machine (%s)', (_name, callbackUrl) => {
    expect(readRelayConfig(testEnv({ RELAY_ALLOWED_CALLBACKS: callbackUrl })).ok).toBe(true);
  });

  it('names RELAY_PUBLIC_URL once when the relay is off loopback and its callback is https off this machine', () => {
    const problems = problemsOf(testEnv({ RELAY_HOST: '0.0.0.0', RELAY_ALLOWED_CALLBACKS: 'https://app.example.com/oauth-callback' }));
    expect(problems.map((problem) => problem.variable)).toEqual(['RELAY_PUBLIC_URL']);
    expect(problems[0]?.message).toMatch(/^RELAY_PUBLIC_URL is not set, but RELAY_HOST \(0\.0\.0\.0\) is not a loopback address/);
  });

  it('takes the public origin from RELAY_PUBLIC_URL, and its /callback as redirect_uri', () => {
    const result = readRelayConfig(testEnv({ RELAY_HOST: '0.0.0.0', RELAY_PUBLIC_URL: 'https://relay.example.com/' }));
    expect(result.ok && [result.config.publicOrigin, result.config.callbackUrl]).toEqual([
      'https://relay.example.com',
      'https://relay.example.com/callback',
    ]);
  });

  it.each([
    ['300', 300],
    ['86400', 86_400],
    ['7776000', 7_776_000],
  ])('reads RELAY_SESSION_LIFETIME=%s', (text, seconds) => {
    const result = readRelayConfig(testEnv({ RELAY_SESSION_LIFETIME: text }));
    expect(result.ok && result.config.sessionLifetimeSeconds).toBe(seconds);
  });

  it.each(['299', '7776001', '1e6', '-5', '3600.5', 'a day', '123456789', 'x600', '600x'])('refuses RELAY_SESSION_LIFETIME=%s', (text) => {
    const problems = problemsOf(testEnv({ RELAY_SESSION_LIFETIME: text }));
    expect(problems.map((p) => `${p.variable} ${p.code}`)).toEqual(['RELAY_SESSION_LIFETIME BAD_LIFETIME']);
    expect(problems[0]?.message).toBe(
      'RELAY_SESSION_LIFETIME must be a whole number of seconds from 300 to 7776000 (90 days, the life of an unused Bitbucket refresh token).',
    );
  });

  it('never puts the client secret or the relay secret in a message', () => {
    const problems = problemsOf(testEnv({ RELAY_ALLOWED_CALLBACKS: 'bad', PORT: 'bad', RELAY_SECRET: 'short-secret-value' }));
    const text = formatConfigProblems(problems);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('short-secret-value');
  });
});

describe('formatConfigProblems', () => {
  it('lists every problem on its own line', () => {
    const text = formatConfigProblems(problemsOf({}));
    expect(text.split('\n')).toHaveLength(5);
    for (const variable of ['BITBUCKET_CLIENT_ID', 'BITBUCKET_CLIENT_SECRET', 'RELAY_SECRET', 'RELAY_ALLOWED_CALLBACKS']) {
      expect(text).toContain(`  - ${variable} `);
    }
  });
});

describe('readRelayConfig, the edges of each check', () => {
  it('accepts http for the IPv6 loopback [::1] too', () => {
    const result = readRelayConfig(testEnv({ RELAY_ALLOWED_CALLBACKS: 'http://[::1]:3000/oauth-callback' }));
    expect(result.ok && result.config.allowedCallbacks).toEqual(['http://[::1]:3000/oauth-callback']);
  });

  it('says a list of separators only lists no URL, when everything else is fine', () => {
    expect(problemsOf(testEnv({ RELAY_ALLOWED_CALLBACKS: ' , ' }))).toEqual([
      { variable: 'RELAY_ALLOWED_CALLBACKS', code: 'MISSING', message: 'RELAY_ALLOWED_CALLBACKS lists no URL.' },
    ]);
  });

  it.each([
    ['a user name alone', 'https://user@app.example.com/oauth-callback'],
    ['a password alone', 'https://:pw@app.example.com/oauth-callback'],
  ])('rejects an allowed callback with %s', (_name, entry) => {
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: entry }))).toEqual(['RELAY_ALLOWED_CALLBACKS BAD_URL']);
  });

  it('wants RELAY_PUBLIC_URL without a query', () => {
    expect(codes(testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.com/?x=1' }))).toEqual(['RELAY_PUBLIC_URL BAD_URL']);
  });

  it.each([
    ['8080', 8080],
    ['65535', 65535],
  ])('accepts PORT=%s', (text, port) => {
    const result = readRelayConfig(testEnv({ PORT: text }));
    expect(result.ok && result.config.port).toBe(port);
  });
});

describe('readRelayConfig messages: each names the variable, the value at fault and what to do', () => {
  it.each([
    [{ BITBUCKET_CLIENT_ID: undefined }, 'BITBUCKET_CLIENT_ID is not set.'],
    [
      { RELAY_ALLOWED_CALLBACKS: 'https://app.example.com' },
      'RELAY_ALLOWED_CALLBACKS entry "https://app.example.com" must be written as "https://app.example.com/".',
    ],
    [{ RELAY_ALLOWED_CALLBACKS: 'not-a-url' }, 'RELAY_ALLOWED_CALLBACKS value "not-a-url" is not an absolute URL.'],
    [{ RELAY_ALLOWED_CALLBACKS: 'ftp://localhost/cb' }, 'RELAY_ALLOWED_CALLBACKS value "ftp://localhost/cb" must start with https://.'],
    [
      { RELAY_ALLOWED_CALLBACKS: 'https://app.example.com/cb#x' },
      'RELAY_ALLOWED_CALLBACKS value "https://app.example.com/cb#x" must not contain credentials or a #fragment.',
    ],
    [
      { RELAY_ALLOWED_CALLBACKS: 'http://app.example.com/cb' },
      'RELAY_ALLOWED_CALLBACKS value "http://app.example.com/cb" must use https:// (http:// is allowed only for localhost and 127.0.0.1).',
    ],
    [
      { RELAY_PUBLIC_URL: 'https://relay.example.com/relay' },
      'RELAY_PUBLIC_URL must be an origin only, such as "https://relay.example.com".',
    ],
    [{ PORT: '65536' }, 'PORT must be a whole number from 0 to 65535.'],
  ])('%j: %s', (overrides, message) => {
    expect(problemsOf(testEnv(overrides)).map((p) => p.message)).toEqual([message]);
  });

  it('formats them under a first line that says the relay cannot start and where to look', () => {
    expect(formatConfigProblems(problemsOf(testEnv({ PORT: 'x' })))).toBe(
      'The relay cannot start; fix its environment variables (see docs/relay.md):\n  - PORT must be a whole number from 0 to 65535.',
    );
  });
});
