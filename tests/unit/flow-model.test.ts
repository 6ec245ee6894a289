import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS, flowExport, formatMs, PARAMETERS, requestRows, requestSummary, SOURCES, sourceOf } from '../../src/flow-model.ts';
import { callbackParameters } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import type { ApiRequest, FlowStep } from '../../src/flow-record.ts';
import { apiRequest } from '../support/flow-inspector.ts';

const API = 'https://api.example/2.0';
const request = apiRequest;
/** A request that got no answer. */
const unanswered = (path: string, start: number, failure: 'network' | 'aborted'): ApiRequest => ({
  method: 'GET',
  url: `${API}${path}`,
  start,
  end: start + 100,
  failure,
});

describe('requestRows', () => {
  it('times each request from the first, and shows path and query as sent', () => {
    const rows = requestRows([request('/user', 500), request('/user/workspaces?pagelen=100&fields=values.workspace.slug', 520)]);
    expect(rows.map(({ number, method, path, outcome, start, duration }) => ({ number, method, path, outcome, start, duration }))).toEqual([
      { number: 1, method: 'GET', path: '/2.0/user', outcome: '200', start: 0, duration: 100 },
      {
        number: 2,
        method: 'GET',
        path: '/2.0/user/workspaces?pagelen=100&fields=values.workspace.slug',
        outcome: '200',
        start: 20,
        duration: 100,
      },
    ]);
  });

  it('finds retries from a URL asked for again after a 429, a 5xx or a failed connection, and counts them', () => {
    const rows = requestRows([
      request('/user', 0, { status: 429 }),
      request('/user', 1000, { status: 503 }),
      unanswered('/user', 2000, 'network'),
      request('/user', 3000),
      // Asked for again after a success: a new request, not a retry.
      request('/user', 4000),
      request('/repositories/a', 0, { status: 404 }),
      request('/repositories/a', 5000),
    ]);
    expect(rows.map((row) => row.retry)).toEqual([
      '',
      'retry 1, after 429',
      'retry 2, after 503',
      'retry 3, after network error',
      '',
      '',
      '',
    ]);
    expect(rows.map((row) => row.failed)).toEqual([true, true, true, false, false, true, false]);
  });

  it('says which page of how many: from the envelope, else the query; "?" without a total', () => {
    const rows = requestRows([
      request('/repositories/a?pagelen=100', 0, { page: 1, size: 250, pagelen: 100 }),
      request('/repositories/a?pagelen=100&page=3', 0, { size: 250, pagelen: 100 }),
      request('/repositories/b?page=2', 0),
      request('/repositories/c?cursor=xyz', 0, { size: 0, pagelen: 100 }),
      request('/user', 0),
    ]);
    expect(rows.map((row) => row.page)).toEqual(['1 of 3', '3 of 3', '2', '? of 1', '']);
  });

  it('gives no total without both the size and a page length, and no page number from a query that is not one', () => {
    const rows = requestRows([
      request('/repositories/a?page=2', 0, { size: 250 }),
      request('/repositories/a?page=2', 0, { pagelen: 100 }),
      request('/repositories/a?page=2', 0, { size: 250, pagelen: 0 }),
      request('/repositories/a?page=abc', 0),
      request('/repositories/a?page=0', 0, { size: 250, pagelen: 100 }),
    ]);
    expect(rows.map((row) => row.page)).toEqual(['2', '2', '2', '', '? of 3']);
  });

  it('says what happened to a request with no answer', () => {
    const rows = requestRows([{ method: 'GET', url: `${API}/user`, start: 0 }, unanswered('/user', 0, 'aborted')]);
    expect(rows.map(({ outcome, done, duration }) => ({ outcome, done, duration }))).toEqual([
      { outcome: 'waiting', done: false, duration: null },
      { outcome: 'cancelled', done: true, duration: 100 },
    ]);
  });

  it('has no rows for no requests', () => {
    expect(requestRows([])).toEqual([]);
  });

  it('marks a row final once nothing more will be recorded for it: its body read, or no answer', () => {
    const rows = requestRows([
      { method: 'GET', url: `${API}/user`, start: 0 },
      request('/user', 0),
      request('/user', 0, { bytes: 12_345 }),
      unanswered('/user', 0, 'network'),
    ]);
    expect(rows.map(({ done, final, bytes }) => ({ done, final, bytes }))).toEqual([
      { done: false, final: false, bytes: null },
      { done: true, final: false, bytes: null },
      { done: true, final: true, bytes: 12_345 },
      { done: true, final: true, bytes: null },
    ]);
  });

  it('counts a 500 as retryable and a 4xx as failed from 400 on, but not a cancelled request as one to retry', () => {
    const rows = requestRows([
      request('/a', 0, { status: 500 }),
      request('/a', 100),
      unanswered('/b', 0, 'aborted'),
      request('/b', 100),
      request('/c', 0, { status: 399 }),
      request('/d', 0, { status: 400 }),
      request('/e', 0, { status: 499 }),
      request('/e', 100),
    ]);
    expect(rows.map(({ retry, failed }) => [retry, failed])).toEqual([
      ['', true],
      ['retry 1, after 500', false],
      ['', true],
      ['', false],
      ['', false],
      ['', true],
      ['', true],
      ['', false],
    ]);
  });
});

describe('requestSummary', () => {
  it('is null while a request is in flight, and a sentence once none is', () => {
    expect(requestSummary([])).toBeNull();
    expect(requestSummary(requestRows([request('/user', 0), { method: 'GET', url: `${API}/x`, start: 0 }]))).toBeNull();
    expect(requestSummary(requestRows([request('/user', 0, { status: 429 }), request('/user', 1200)]))).toBe(
      '2 API requests finished in 1.3 s: 1 failed, 1 retry.',
    );
    expect(requestSummary(requestRows([request('/user', 0)]))).toBe('1 API request finished in 100 ms: none failed, 0 retries.');
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [849.6, '850 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [1449, '1.4 s'],
    [61_000, '61.0 s'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('the sources the inspector names', () => {
  it('are real: each file exists and defines the function named', () => {
    for (const source of Object.values(SOURCES)) {
      const [file = '', name = ''] = source.split(' · ');
      // The core's files are named by its package, which lives in packages/.
      const path = resolve(import.meta.dirname, '../..', file.replace(/^bitbucket-browser-auth\//, 'packages/bitbucket-browser-auth/'));
      expect(existsSync(path), `${file} exists`).toBe(true);
      const code = readFileSync(path, 'utf8');
      expect(code, `${file} defines ${name}`).toMatch(new RegExp(`(function ${name}\\b|\\b${name}\\s*\\([^)]*\\)[^;{]*\\{)`));
    }
  });

  it('name the function that made each step; the one-use check is the session’s', () => {
    const at = 0;
    expect(sourceOf({ step: 'authorize', url: '', at })).toBe('bitbucket-browser-auth/src/authorize.ts · startSignIn');
    expect(sourceOf({ step: 'check', check: 'STATE_MATCHES', passed: true, at })).toBe(
      'bitbucket-browser-auth/src/callback.ts · readCallback',
    );
    expect(sourceOf({ step: 'check', check: 'ONE_USE', passed: true, at })).toBe('bitbucket-browser-auth/src/session.ts · takePending');
    expect(sourceOf({ step: 'kept', storage: 'sessionStorage', key: 'k', expiresAt: 0, scopes: [], at })).toBe(
      'bitbucket-browser-auth/src/session.ts · saveCredentials',
    );
  });

  it('describe every check', () => {
    for (const text of Object.values(CHECKS)) expect(text.length).toBeGreaterThan(5);
  });

  it('explain every parameter of the authorization request and of the callback, in a sentence', () => {
    const request = ['client_id', 'response_type', 'redirect_uri', 'state'];
    const callback = ['access_token', 'token_type', 'expires_in', 'scopes', 'scope', 'state', 'error', 'error_description'];
    for (const name of [...request, ...callback]) expect(PARAMETERS[name], name).toMatch(/^\S.{10,}\.$/);
    expect(PARAMETERS.scopes).not.toBe(PARAMETERS.scope);
  });

  it('name the callback page for a refusal and the callback reader for the callback', () => {
    expect(sourceOf({ step: 'refused', code: 'STATE_MISMATCH', at: 0 })).toBe('bitbucket-browser-auth/src/sign-in.ts · handleCallback');
    expect(sourceOf({ step: 'callback', fragment: [], query: [], at: 0 })).toBe('bitbucket-browser-auth/src/callback.ts · readCallback');
  });
});

describe('flowExport', () => {
  it('holds every step and request with its source and time, and the token only reduced', () => {
    const token = 'tok-0123456789abcdef-secret';
    const steps: FlowStep[] = [
      { step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?client_id=k&state=s1', at: Date.UTC(2026, 0, 1) },
      {
        step: 'callback',
        fragment: callbackParameters(`#access_token=${token}&state=s1`),
        query: [],
        at: Date.UTC(2026, 0, 1, 0, 0, 5),
      },
    ];
    const exported = flowExport(
      { steps, requests: [request('/user', 250)], pageOpenedAt: Date.UTC(2026, 0, 1, 0, 1) },
      Date.UTC(2026, 0, 2),
    );
    const text = JSON.stringify(exported);
    expect(text).not.toContain(token);
    expect(text).toContain('tok-… (27 characters)');
    expect(exported).toMatchObject({
      format: 'bitbucket-starter-flow/1',
      exportedAt: '2026-01-02T00:00:00.000Z',
      steps: [
        { step: 'authorize', at: '2026-01-01T00:00:00.000Z', by: 'bitbucket-browser-auth/src/authorize.ts · startSignIn' },
        { step: 'callback', at: '2026-01-01T00:00:05.000Z', by: 'bitbucket-browser-auth/src/callback.ts · readCallback' },
      ],
      requests: [{ number: 1, path: '/2.0/user', outcome: '200', startedAt: '2026-01-01T00:01:00.250Z', by: SOURCES.request }],
    });
    expect(exported.note).toContain('only as its first 4 characters');
  });

  it('holds each request as its row, without the bookkeeping of the live table', () => {
    const exported = flowExport(
      { steps: [], requests: [request('/user', 0, { status: 429, bytes: 46 }), request('/user', 1000, { bytes: 7 })], pageOpenedAt: 0 },
      0,
    );
    expect(exported.requests).toEqual([
      {
        number: 1,
        method: 'GET',
        path: '/2.0/user',
        outcome: '429',
        failed: true,
        start: 0,
        duration: 100,
        bytes: 46,
        page: '',
        retry: '',
        startedAt: '1970-01-01T00:00:00.000Z',
        by: SOURCES.request,
      },
      {
        number: 2,
        method: 'GET',
        path: '/2.0/user',
        outcome: '200',
        failed: false,
        start: 1000,
        duration: 100,
        bytes: 7,
        page: '',
        retry: 'retry 1, after 429',
        startedAt: '1970-01-01T00:00:01.000Z',
        by: SOURCES.request,
      },
    ]);
  });
});
