// @vitest-environment node
// RELAY_ALLOWED_ORIGINS (relay/config.ts): the sites that may receive a Decap CMS sign-in by message.
import { describe, expect, it } from 'vitest';
import { readRelayConfig } from '../../relay/config.ts';
import type { RelayEnv } from '../../relay/config.ts';
import { testEnv } from './support.ts';

const problemsOf = (env: RelayEnv) => {
  const result = readRelayConfig(env);
  return result.ok ? [] : result.problems;
};
const codes = (env: RelayEnv) => problemsOf(env).map((p) => `${p.variable} ${p.code}`);

describe('RELAY_ALLOWED_ORIGINS', () => {
  it('is optional: without it, the config has no allowed origins and Decap is off', () => {
    const result = readRelayConfig(testEnv());
    expect(result.ok && 'allowedOrigins' in result.config).toBe(false);
    expect(readRelayConfig(testEnv({ RELAY_ALLOWED_ORIGINS: '  ' })).ok).toBe(true);
  });

  it('takes exact origins, comma-separated, spaces around them trimmed', () => {
    const result = readRelayConfig(
      testEnv({ RELAY_ALLOWED_ORIGINS: ' https://cms.example.com , http://localhost:8080,http://127.0.0.1:3300 ' }),
    );
    expect(result.ok && result.config.allowedOrigins).toEqual([
      'https://cms.example.com',
      'http://localhost:8080',
      'http://127.0.0.1:3300',
    ]);
  });

  it.each([
    ['https://cms.example.com/', 'https://cms.example.com'],
    ['https://cms.example.com/admin/', 'https://cms.example.com'],
    ['https://CMS.example.com', 'https://cms.example.com'],
    ['https://cms.example.com:443', 'https://cms.example.com'],
    ['https://cms.example.com?x', 'https://cms.example.com'],
  ])('refuses %s, which is not written as an origin (%s)', (entry, origin) => {
    expect(problemsOf(testEnv({ RELAY_ALLOWED_ORIGINS: entry }))).toEqual([
      {
        variable: 'RELAY_ALLOWED_ORIGINS',
        code: 'NOT_CANONICAL',
        message: `RELAY_ALLOWED_ORIGINS entry "${entry}" must be written as "${origin}".`,
      },
    ]);
  });

  it.each([
    ['http://cms.example.com', 'NOT_HTTPS'],
    ['cms.example.com', 'BAD_URL'],
    ['ftp://localhost', 'BAD_URL'],
    ['https://user@cms.example.com', 'BAD_URL'],
    ['https://cms.example.com#x', 'BAD_URL'],
  ])('refuses %s (%s)', (entry, code) => {
    expect(codes(testEnv({ RELAY_ALLOWED_ORIGINS: entry }))).toEqual([`RELAY_ALLOWED_ORIGINS ${code}`]);
  });

  it('reports every bad entry, and says a list of separators only lists none', () => {
    expect(codes(testEnv({ RELAY_ALLOWED_ORIGINS: 'http://a.example,https://ok.example,nope' }))).toEqual([
      'RELAY_ALLOWED_ORIGINS NOT_HTTPS',
      'RELAY_ALLOWED_ORIGINS BAD_URL',
    ]);
    expect(problemsOf(testEnv({ RELAY_ALLOWED_ORIGINS: ' , ' }))).toEqual([
      { variable: 'RELAY_ALLOWED_ORIGINS', code: 'MISSING', message: 'RELAY_ALLOWED_ORIGINS lists no URL.' },
    ]);
  });

  it('makes RELAY_ALLOWED_CALLBACKS optional: a relay for Decap CMS alone needs no app callback', () => {
    const result = readRelayConfig(testEnv({ RELAY_ALLOWED_CALLBACKS: undefined, RELAY_ALLOWED_ORIGINS: 'https://cms.example.com' }));
    expect(result.ok && result.config.allowedCallbacks).toEqual([]);
    expect(result.ok && result.config.allowedOrigins).toEqual(['https://cms.example.com']);
    // Still checked when given.
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: 'nope', RELAY_ALLOWED_ORIGINS: 'https://cms.example.com' }))).toEqual([
      'RELAY_ALLOWED_CALLBACKS BAD_URL',
    ]);
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: ' , ', RELAY_ALLOWED_ORIGINS: 'https://cms.example.com' }))).toEqual([
      'RELAY_ALLOWED_CALLBACKS MISSING',
    ]);
    // Without either, the app's callbacks are what is missing.
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: undefined }))).toEqual(['RELAY_ALLOWED_CALLBACKS MISSING']);
    // A list of origins that are all refused does not stand in for the callbacks.
    expect(codes(testEnv({ RELAY_ALLOWED_CALLBACKS: undefined, RELAY_ALLOWED_ORIGINS: 'nope' }))).toEqual([
      'RELAY_ALLOWED_ORIGINS BAD_URL',
      'RELAY_ALLOWED_CALLBACKS MISSING',
    ]);
  });
});
