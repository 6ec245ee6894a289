import { describe, expect, it } from 'vitest';
import { netlifyHeaders } from '../../scripts/security-headers.ts';
import { compareHeaders, declaredHeaders, governedNames, parseHeadersFile, patternMatches } from '../support/headers-file.ts';

const FILE = `# a comment
/*
  X-Frame: DENY
  Content-Security-Policy: general

/special*
  ! Content-Security-Policy
  Content-Security-Policy: special
  Cache-Control: no-store

/both*
  Content-Security-Policy: second

/users/:id
  X-User: one
`;

describe('reading a _headers file', () => {
  const rules = parseHeadersFile(FILE);

  it('reads paths, headers (names in lower case) and detached names, in order', () => {
    expect(rules.map((rule) => rule.pattern)).toEqual(['/*', '/special*', '/both*', '/users/:id']);
    expect(rules[1]?.detach).toEqual(['content-security-policy']);
    expect(rules[1]?.headers).toEqual([
      ['content-security-policy', 'special'],
      ['cache-control', 'no-store'],
    ]);
  });

  it('matches a splat across segments and a placeholder within one', () => {
    expect(patternMatches('/*', '/a/b.js')).toBe(true);
    expect(patternMatches('/oauth-callback*', '/oauth-callback')).toBe(true);
    expect(patternMatches('/oauth-callback*', '/oauth-callback.html')).toBe(true);
    expect(patternMatches('/oauth-callback*', '/')).toBe(false);
    expect(patternMatches('/healthcheck', '/healthcheck.json')).toBe(false);
    expect(patternMatches('/users/:id', '/users/7')).toBe(true);
    expect(patternMatches('/users/:id', '/users/7/x')).toBe(false);
    // A dot in a pattern is a dot, not any character.
    expect(patternMatches('/a.js', '/abjs')).toBe(false);
  });

  it('takes a detached name away from the other matching rules only', () => {
    const special = declaredHeaders(rules, '/special');
    expect(special.get('content-security-policy')).toEqual(['special']);
    expect(special.get('x-frame')).toEqual(['DENY']);
    expect(special.get('cache-control')).toEqual(['no-store']);
    expect(declaredHeaders(rules, '/').get('content-security-policy')).toEqual(['general']);
  });

  it('declares two values where two rules set one name and none detaches it', () => {
    expect(declaredHeaders(rules, '/both').get('content-security-policy')).toEqual(['general', 'second']);
  });

  it('refuses a header outside a rule and a line that is no header', () => {
    expect(() => parseHeadersFile('  X-A: b\n')).toThrow(/before any path/);
    expect(() => parseHeadersFile('/*\n  not a header\n')).toThrow(/line 2/);
  });

  it('reads the build’s own file with one policy on every page', () => {
    const built = parseHeadersFile(netlifyHeaders('https://api.bitbucket.org/2.0'));
    for (const path of ['/', '/oauth-callback', '/oauth-callback.html', '/healthcheck', '/assets/main.js']) {
      expect(declaredHeaders(built, path).get('content-security-policy')).toHaveLength(1);
    }
    expect(declaredHeaders(built, '/oauth-callback').get('content-security-policy')?.[0]).toContain("connect-src 'none'");
    expect(declaredHeaders(built, '/healthcheck').get('content-type')).toEqual(['application/json']);
    expect(declaredHeaders(built, '/').get('cache-control')).toEqual(['no-cache']);
    expect(declaredHeaders(built, '/oauth-callback').get('cache-control')).toEqual(['no-store']);
    expect(declaredHeaders(built, '/assets/main.js').get('cache-control')).toEqual(['public, max-age=31536000, immutable']);
  });
});

describe('comparing declared with received headers', () => {
  const rules = parseHeadersFile(FILE);
  const governed = governedNames(rules, '/special');

  it('governs, on a path, every name a matching rule sets or detaches, and nothing else', () => {
    expect([...governedNames(rules, '/special')].sort()).toEqual(['cache-control', 'content-security-policy', 'x-frame']);
    expect([...governedNames(rules, '/users/7')].sort()).toEqual(['content-security-policy', 'x-frame', 'x-user']);
  });

  it('finds nothing different when every governed header came as declared, whatever else came', () => {
    const received = [
      { name: 'Content-Security-Policy', value: 'special' },
      { name: 'X-Frame', value: 'DENY' },
      { name: 'Cache-Control', value: 'no-store' },
      { name: 'ETag', value: '"x"' },
    ];
    expect(compareHeaders(governed, declaredHeaders(rules, '/special'), received).every((line) => line.same)).toBe(true);
  });

  it('finds a missing header, an extra governed one, a second value and a changed one', () => {
    const declared = declaredHeaders(rules, '/special');
    const differing = (received: Array<{ name: string; value: string }>) =>
      compareHeaders(governed, declared, received)
        .filter((line) => !line.same)
        .map((line) => line.name);
    const all = [
      { name: 'content-security-policy', value: 'special' },
      { name: 'x-frame', value: 'DENY' },
      { name: 'cache-control', value: 'no-store' },
    ];
    expect(differing(all.slice(1))).toEqual(['content-security-policy']);
    expect(differing([...all, { name: 'X-Frame', value: 'SAMEORIGIN' }])).toEqual(['x-frame']);
    expect(differing([...all, { name: 'content-security-policy', value: 'general' }])).toEqual(['content-security-policy']);
    expect(differing([{ name: 'content-security-policy', value: 'general, special' }, ...all.slice(1)])).toEqual([
      'content-security-policy',
    ]);
  });
});
