import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, netlifyHeaders, vercelJson } from '../../scripts/security-headers.ts';

const directives = (policy: string) => new Map(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

describe('content security policy', () => {
  it('allows scripts from the app only, and connections to the configured API origin only', () => {
    const policy = directives(contentSecurityPolicy('https://api.bitbucket.org/2.0', 'app'));
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'", 'https://api.bitbucket.org']);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
    expect(policy.get('img-src')).toContain('https://secure.gravatar.com');
    expect(policy.has('frame-ancestors')).toBe(false);
  });

  it('follows a changed API URL', () => {
    expect(directives(contentSecurityPolicy('http://localhost:4101/2.0', 'app')).get('connect-src')).toEqual([
      "'self'",
      'http://localhost:4101',
    ]);
    expect(directives(contentSecurityPolicy('https://localhost:4101/2.0', 'app')).get('connect-src')).toEqual([
      "'self'",
      'https://localhost:4101',
    ]);
  });

  it('lets the callback page connect nowhere', () => {
    expect(directives(contentSecurityPolicy('https://api.bitbucket.org/2.0', 'callback')).get('connect-src')).toEqual(["'none'"]);
  });

  it('adds frame-ancestors in header files, with Referrer-Policy', () => {
    const headers = netlifyHeaders('https://api.bitbucket.org/2.0');
    expect(headers).toContain("frame-ancestors 'none'");
    expect(headers).toContain('Referrer-Policy: no-referrer');
    const vercel = JSON.parse(vercelJson('https://api.bitbucket.org/2.0')) as {
      headers: Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
    };
    expect(vercel.headers[0]?.headers).toContainEqual({ key: 'Referrer-Policy', value: 'no-referrer' });
    expect(vercel.headers[2]?.source).toBe('/oauth-callback(.*)');
    expect(vercel.headers[2]?.headers.find((h) => h.key === 'Content-Security-Policy')?.value).toContain("frame-ancestors 'none'");
  });

  it('keeps the callback rule on the callback under a sub-path base', () => {
    expect(netlifyHeaders('https://api.bitbucket.org/2.0', '/starter/')).toMatch(/^\/starter\/oauth-callback\*$/m);
    const vercel = JSON.parse(vercelJson('https://api.bitbucket.org/2.0', '/starter/')) as { headers: Array<{ source: string }> };
    expect(vercel.headers[2]?.source).toBe('/starter/oauth-callback(.*)');
  });

  it('gives the callback page one policy: the general one is detached where the callback sets its own', () => {
    const blocks = netlifyHeaders('https://api.bitbucket.org/2.0').split('\n\n');
    const callback = blocks.find((block) => block.startsWith('/oauth-callback*\n'))?.split('\n') ?? [];
    // The detach comes first in its rule, and the rule still sets the callback's own policy once.
    expect(callback[1]).toBe('  ! Content-Security-Policy');
    expect(callback.filter((line) => line.startsWith('  Content-Security-Policy: '))).toHaveLength(1);
    expect(callback.find((line) => line.startsWith('  Content-Security-Policy: '))).toContain("connect-src 'none'");
    // Only the callback detaches the policy: the app page keeps the general rule's.
    expect(blocks.filter((block) => block.includes('\n  ! Content-Security-Policy'))).toHaveLength(1);
  });

  it('declares the type of /healthcheck, a file without an extension, in both header files', () => {
    expect(netlifyHeaders('https://api.bitbucket.org/2.0', '/starter/')).toContain(
      '/starter/healthcheck\n  Content-Type: application/json\n',
    );
    const vercel = JSON.parse(vercelJson('https://api.bitbucket.org/2.0')) as {
      headers: Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
    };
    expect(vercel.headers.find((rule) => rule.source === '/healthcheck')?.headers).toEqual([
      { key: 'Content-Type', value: 'application/json' },
    ]);
  });

  it('declares caching for every path: revalidated by default, hashed assets kept a year, the callback never stored', () => {
    const blocks = netlifyHeaders('https://api.bitbucket.org/2.0', '/starter/').split('\n\n');
    const block = (path: string) =>
      blocks
        .find((text) => text.startsWith(`${path}\n`))
        ?.split('\n')
        .slice(1) ?? [];
    expect(block('/*')).toContain('  Cache-Control: no-cache');
    expect(block('/starter/assets/*')).toEqual(['  ! Cache-Control', '  Cache-Control: public, max-age=31536000, immutable']);
    expect(block('/starter/oauth-callback*')).toContain('  ! Cache-Control');
    expect(block('/starter/oauth-callback*')).toContain('  Cache-Control: no-store');
    const vercel = JSON.parse(vercelJson('https://api.bitbucket.org/2.0')) as { headers: Array<{ source: string }> };
    // Vercel lets a later rule win: each specific rule comes after the general one.
    expect(vercel.headers.map((rule) => rule.source)).toEqual(['/(.*)', '/assets/(.*)', '/oauth-callback(.*)', '/healthcheck']);
  });
});

describe("with a relay on another origin of the app's site", () => {
  it('lets the app page connect to the API and to the relay, and the callback page still nowhere', () => {
    const policy = contentSecurityPolicy(['https://api.bitbucket.org/2.0', 'https://auth.app.example/relay'], 'app');
    expect(policy).toContain("connect-src 'self' https://api.bitbucket.org https://auth.app.example;");
    expect(contentSecurityPolicy(['https://api.bitbucket.org/2.0', 'https://auth.app.example/relay'], 'callback')).toContain(
      "connect-src 'none'",
    );
    // The same origin twice is named once.
    expect(contentSecurityPolicy(['https://x.example/2.0', 'https://x.example/relay'], 'app')).toContain(
      "connect-src 'self' https://x.example;",
    );
  });
});
