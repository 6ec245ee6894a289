// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/dom';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PARAMETERS, requestRows, type RequestRow } from '../../src/flow-model.ts';
import type { ApiRequest, FlowStep } from '../../src/flow-record.ts';
import { mountFlowInspectorView } from '../../src/views/flow-inspector.ts';
import { apiRequest, breaks, readText, sectionOf, tableRows } from '../support/flow-inspector.ts';

const AT = Date.UTC(2026, 10, 28, 12, 0, 0);
const ISO = new Date(AT).toISOString();
const AUTHORIZE_URL =
  'https://bitbucket.org/site/oauth2/authorize?client_id=KEY&response_type=token&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Foauth-callback&state=s1';
const API = 'https://api.example';

const authorize = (url = AUTHORIZE_URL): FlowStep => ({ step: 'authorize', url, at: AT });
const callback = (fragment: Array<[string, string]>, query: Array<[string, string]> = []): FlowStep => ({
  step: 'callback',
  fragment,
  query,
  at: AT + 5000,
});
const check = (name: string, passed = true): FlowStep => ({ step: 'check', check: name as 'STATE_PRESENT', passed, at: AT + 5000 });
const kept = (lifetime: number, scopes = ['account', 'repository']): FlowStep => ({
  step: 'kept',
  storage: 'sessionStorage',
  key: 'bitbucket-starter:session',
  expiresAt: AT + 6000 + lifetime,
  scopes,
  at: AT + 6000,
});
const refused: FlowStep = { step: 'refused', code: 'STATE_MISMATCH', at: AT + 5000 };

/** The view alone in the page, with the rows of `requests` if any. */
function mount(steps: readonly FlowStep[] = [], requests: ApiRequest[] = []) {
  document.body.replaceChildren();
  const root = document.createElement('div');
  document.body.append(root);
  const onDownload = vi.fn();
  const view = mountFlowInspectorView(root, { onDownload });
  view.update({ steps, rows: requestRows(requests) });
  return { root, view, onDownload };
}

const noneOf = (root: HTMLElement, section: RegExp) => readText(sectionOf(root, section).querySelector('p') as HTMLElement);

describe('the view, before anything was recorded', () => {
  it('says what it shows, how requests are sent, that none was, and offers the download', () => {
    document.body.replaceChildren();
    const root = document.createElement('div');
    document.body.append(root);
    const onDownload = vi.fn();
    const view = mountFlowInspectorView(root, { onDownload });

    const lead = root.firstElementChild as HTMLElement;
    expect(lead.textContent).toBe(
      'What this tab sent and received in its latest sign-in, recorded as it happened. ' +
        'The access token appears only as its first 4 characters and its length.',
    );
    const requests = sectionOf(root, '5. API requests');
    const [source, preflight] = requests.querySelectorAll('p');
    expect(source?.textContent).toBe(
      'Sent by bitbucket-browser-auth/src/client.ts · createClient, recorded by src/flow-record.ts · recordFetch around the page’s fetch.',
    );
    // Styled as every step's source is, in a section styled as every step's is.
    expect(source?.className).toBe('inspector-source');
    expect(requests.className).toBe('inspector-step');
    expect(preflight?.textContent).toBe(
      'Before a request to a URL it has not asked about lately, the browser itself sends a CORS preflight: an OPTIONS ' +
        'request asking the API whether a page from this origin may send a GET with an Authorization header ' +
        '(not one of the headers a page may send without asking). Only after a yes does the request below go out. ' +
        'No script can see a preflight, so none is listed here.',
    );
    expect([...(preflight?.querySelectorAll('code') ?? [])].map((code) => code.textContent)).toEqual(['OPTIONS', 'GET', 'Authorization']);

    // Before the first update as after an update with no request: the sentence, not an empty table.
    const empty = within(requests).getByText('No API request has been sent from this page yet.');
    expect(empty.hidden).toBe(false);
    expect(screen.queryByRole('region', { name: 'API requests' })).toBeNull();
    view.update({ steps: [], rows: [] });
    expect(empty.hidden).toBe(false);
    expect(screen.queryByRole('region', { name: 'API requests' })).toBeNull();

    const download = screen.getByRole('button', { name: 'Download the flow (JSON)' });
    expect(download.matches('.actions > button.secondary')).toBe(true);
    fireEvent.click(download);
    expect(onDownload).toHaveBeenCalledOnce();
  });

  it('announces what it is told to, politely', () => {
    const { root, view } = mount();
    const live = root.querySelector('[aria-live]') as HTMLElement;
    expect(live.getAttribute('aria-live')).toBe('polite');
    expect(live.textContent).toBe('');
    view.announce('3 API requests finished in 1.2 s: none failed, 0 retries.');
    expect(live.textContent).toBe('3 API requests finished in 1.2 s: none failed, 0 retries.');
    expect(sectionOf(root, '5. API requests').contains(live)).toBe(true);
  });
});

describe('the steps', () => {
  it('say, for each step not recorded, why: no sign-in from this tab, one under way, or one refused', () => {
    const { root, view } = mount();
    expect(noneOf(root, /^1\./)).toBe('Not recorded: no sign-in was started from this tab.');
    expect(noneOf(root, /^2\./)).toBe('Not recorded in this tab.');
    expect(noneOf(root, /^3\./)).toBe('None yet.');
    expect(noneOf(root, /^4\./)).toBe('No token has been kept yet.');
    // Set apart from what was recorded (the stylesheet greys them), and nothing else said.
    expect(root.querySelectorAll('.inspector-step > p.inspector-none')).toHaveLength(4);
    for (const section of [/^1\./, /^2\./, /^3\./, /^4\./]) expect(sectionOf(root, section).childNodes).toHaveLength(2);

    const started = [authorize()];
    view.update({ steps: started, rows: [] });
    expect(noneOf(root, /^2\./)).toBe('Nothing yet: the sign-in is under way at the authorization server, or was left there.');
    expect(noneOf(root, /^3\./)).toBe('None yet.');
    expect(noneOf(root, /^4\./)).toBe('No token has been kept yet.');

    view.update({ steps: [...started, callback([]), check('STATE_PRESENT', false), refused], rows: [] });
    expect(noneOf(root, /^4\./)).toBe('Nowhere: the sign-in was refused.');
  });

  it('show the authorization request: where the browser was sent, and each query parameter with what it is for', () => {
    const { root } = mount([authorize()]);
    const section = sectionOf(root, '1. The authorization request');
    const table = within(section).getByRole('table', { name: 'Authorization request parameters' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Parameter', 'In', 'Value', 'What it is for']);
    expect(tableRows(table)).toEqual([
      ['client_id', 'query', 'KEY', PARAMETERS.client_id],
      ['response_type', 'query', 'token', PARAMETERS.response_type],
      ['redirect_uri', 'query', 'http://localhost:3000/oauth-callback', PARAMETERS.redirect_uri],
      ['state', 'query', 's1', PARAMETERS.state],
    ]);
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((cell) => cell.textContent),
    ).toEqual(['client_id', 'response_type', 'redirect_uri', 'state']);
    expect(readText(section.querySelector('p') as HTMLElement)).toBe(
      `At [${ISO}] the browser was sent to https://bitbucket.org/site/oauth2/authorize with these query parameters:`,
    );
    expect(readText(section.querySelector('.inspector-source') as HTMLElement)).toBe(
      'By bitbucket-browser-auth/src/authorize.ts · startSignIn',
    );
  });

  it('say so when the recorded authorization address is not a URL (a hand-edited record)', () => {
    const { root } = mount([authorize('not a url')]);
    const section = sectionOf(root, '1. The authorization request');
    expect(within(section).queryByRole('table')).toBeNull();
    expect(section.querySelector('.inspector-none')?.textContent).toBe('The recorded address is not a URL.');
  });

  it('show what came back: the fragment’s parameters, then the query’s, or that there were none', () => {
    const { root, view } = mount([
      authorize(),
      callback(
        [
          ['access_token', 'tok-… (30 characters)'],
          ['state', 's1'],
        ],
        [['lang', 'en']],
      ),
    ]);
    const section = sectionOf(root, '2. What came back to /oauth-callback');
    expect(tableRows(within(section).getByRole('table', { name: 'Callback parameters' }))).toEqual([
      ['access_token', 'fragment', 'tok-… (30 characters)', PARAMETERS.access_token],
      ['state', 'fragment', 's1', PARAMETERS.state],
      ['lang', 'query', 'en', ''],
    ]);
    const iso = new Date(AT + 5000).toISOString();
    expect(readText(section.querySelector('p') as HTMLElement)).toBe(`At [${iso}] the browser arrived with these parameters:`);
    expect(readText(section.querySelector('.inspector-source') as HTMLElement)).toBe(
      'By bitbucket-browser-auth/src/callback.ts · readCallback',
    );

    view.update({ steps: [authorize(), callback([])], rows: [] });
    const nothing = sectionOf(root, '2. What came back to /oauth-callback');
    expect(readText(nothing.querySelector('p') as HTMLElement)).toBe(`At [${iso}] the browser arrived with no parameters at all.`);
    expect(within(nothing).queryByRole('table')).toBeNull();
  });

  it('list each check, passed or failed, in words when it is one the app makes, with the code that made it, then the refusal', () => {
    const { root } = mount([
      authorize(),
      callback([['state', 's1']]),
      check('STATE_PRESENT'),
      check('ONE_USE'),
      check('SOME_LATER_CHECK'),
      check('constructor'),
      check('STATE_MATCHES', false),
      refused,
    ]);
    const list = within(root).getByRole('list', { name: 'Checks made by the callback page' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([
      'Passed: state is present — bitbucket-browser-auth/src/callback.ts · readCallback',
      'Passed: One use: a sign-in started in this tab in the last 10 minutes was waiting, and is now deleted — bitbucket-browser-auth/src/session.ts · takePending',
      'Passed: SOME_LATER_CHECK — bitbucket-browser-auth/src/callback.ts · readCallback',
      'Passed: constructor — bitbucket-browser-auth/src/callback.ts · readCallback',
      'Failed: state matches the one stored when the sign-in started — bitbucket-browser-auth/src/callback.ts · readCallback',
    ]);
    expect(items.map((item) => item.className)).toEqual(['passed', 'passed', 'passed', 'passed', 'failed']);
    const section = sectionOf(root, '3. The checks the callback page made');
    expect(readText(section.querySelector('.inspector-stopped') as HTMLElement)).toBe(
      'The sign-in stopped at the failed check and was refused with the code STATE_MISMATCH; nothing was stored.',
    );
    expect(readText(section.querySelector('.inspector-source') as HTMLElement)).toBe(
      'By bitbucket-browser-auth/src/sign-in.ts · handleCallback',
    );
  });

  it('list each renewal through the relay: when, why, what POST /token answered, the new expiry; none when there was none', () => {
    const renewal = (
      why: 'start' | 'expiring' | 'refused',
      outcome: 'renewed' | 'no-session' | 'failed' | 'signed-out',
      at: number,
      more = {},
    ): FlowStep => ({
      step: 'renewal',
      why,
      outcome,
      at,
      ...more,
    });
    const { root } = mount([
      authorize(),
      kept(20_000),
      renewal('expiring', 'renewed', AT + 21_000, { status: 200, expiresAt: AT + 41_000 }),
      renewal('refused', 'no-session', AT + 30_000, { status: 401 }),
      renewal('start', 'failed', AT + 40_000),
      renewal('expiring', 'failed', AT + 50_000, { status: 502 }),
      renewal('expiring', 'signed-out', AT + 60_000, { status: 200 }),
    ]);
    const section = sectionOf(root, '4. Where the token was kept');
    const items = within(within(section).getByRole('list', { name: 'Renewals through the relay' })).getAllByRole('listitem');
    expect(items.map((item) => readText(item))).toEqual([
      `At [${new Date(AT + 21_000).toISOString()}], because the token was about to expire: POST /token answered 200, a new token, which expires at [${new Date(AT + 41_000).toISOString()}].`,
      `At [${new Date(AT + 30_000).toISOString()}], because Bitbucket refused the token (401): POST /token answered 401, the relay had no session: no token.`,
      `At [${new Date(AT + 40_000).toISOString()}], because this tab had no token of its own: POST /token got no answer, no usable token.`,
      `At [${new Date(AT + 50_000).toISOString()}], because the token was about to expire: POST /token answered 502, no usable token.`,
      `At [${new Date(AT + 60_000).toISOString()}], because the token was about to expire: POST /token answered 200, the session was signed out meanwhile, so its token was thrown away.`,
    ]);
    expect(readText(section.querySelectorAll('.inspector-source')[1] as HTMLElement)).toBe(
      'By bitbucket-browser-auth/src/renewal.ts · renew',
    );
    const plain = mount([authorize(), kept(20_000)]).root;
    expect(within(sectionOf(plain, '4. Where the token was kept')).queryByRole('list')).toBeNull();
  });

  it.each([
    [0, '0 minutes'],
    [60_000, '1 minute'],
    [59 * 60_000, '59 minutes'],
    [60 * 60_000, '1 hour'],
    [90 * 60_000, '90 minutes'],
    [120 * 60_000, '2 hours'],
  ])('say where the token was kept and when it expires: %d ms is "%s"', (lifetime, words) => {
    const { root } = mount([authorize(), kept(lifetime)]);
    const section = sectionOf(root, '4. Where the token was kept');
    expect(readText(section.querySelector('p') as HTMLElement)).toBe(
      `In sessionStorage under the key bitbucket-starter:session, at [${new Date(AT + 6000).toISOString()}]. ` +
        `It expires at [${new Date(AT + 6000 + lifetime).toISOString()}] (${words} after it arrived). Scopes: account, repository.`,
    );
    expect(readText(section.querySelector('.inspector-source') as HTMLElement)).toBe(
      'By bitbucket-browser-auth/src/session.ts · saveCredentials',
    );
  });

  it('say when the token came with no scopes', () => {
    const { root } = mount([kept(3_600_000, [])]);
    expect(sectionOf(root, '4. Where the token was kept').textContent).toContain('after it arrived). Scopes: none given.');
  });
});

describe('the requests table', () => {
  it('has a row per request: number, request and its query, status, start, duration, bytes, page and retry', () => {
    const { root } = mount(
      [],
      [
        apiRequest('/user', 100, { bytes: 12_345 }),
        apiRequest('/repositories/ws?pagelen=100&fields=values.full_name,next&q=name%20~%20%22a%22', 1300, {
          end: 2800,
          bytes: 80,
          page: 1,
          size: 250,
          pagelen: 100,
        }),
        apiRequest('/user/workspaces', 1500, { status: 429, bytes: 46 }),
        apiRequest('/user/workspaces', 2500),
        apiRequest('/x?q=%E0%A4%A', 2600, { status: 503 }),
        { method: 'GET', url: `${API}/2.0/repositories/ws?page=2`, start: 2700 },
      ],
    );
    const table = screen.getByRole('table', { name: 'API requests' });
    expect(screen.getByRole('region', { name: 'API requests' }).contains(table)).toBe(true);
    expect(within(root).getByText('No API request has been sent from this page yet.').hidden).toBe(true);
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['#', 'Request', 'Status', 'Start', 'Duration', 'Bytes', 'Page', 'Retry', 'Timeline']);
    expect(tableRows(table)).toEqual([
      ['1', 'GET /2.0/user', '200', '0 ms', '100 ms', '12,345', '', '', ''],
      [
        '2',
        'GET /2.0/repositories/ws?pagelen=100&fields=values.full_name,next&q=name ~ "a"',
        '200',
        '1.2 s',
        '1.5 s',
        '80',
        '1 of 3',
        '',
        '',
      ],
      ['3', 'GET /2.0/user/workspaces', '429', '1.4 s', '100 ms', '46', '', '', ''],
      ['4', 'GET /2.0/user/workspaces', '200', '2.4 s', '100 ms', '', '', 'retry 1, after 429', ''],
      ['5', 'GET /2.0/x?q=%E0%A4%A', '503', '2.5 s', '100 ms', '', '', '', ''],
      ['6', 'GET /2.0/repositories/ws?page=2', 'waiting', '2.6 s', '…', '', '2', '', ''],
    ]);
    // The request is the row's header; its query, decoded, goes below the path with places to break.
    const headers = within(table).getAllByRole('rowheader');
    expect(headers.map((header) => header.firstChild?.textContent)).toEqual([
      'GET /2.0/user',
      'GET /2.0/repositories/ws',
      'GET /2.0/user/workspaces',
      'GET /2.0/user/workspaces',
      'GET /2.0/x',
      'GET /2.0/repositories/ws',
    ]);
    expect(headers.map((header) => header.querySelector('.inspector-query')).map((query) => query && breaks(query))).toEqual([
      null,
      '?pagelen=100&|fields=values.full_name,|next&|q=name ~ "a"',
      null,
      null,
      '?q=%E0%A4%A',
      '?page=2',
    ]);
  });

  it('draws each request as a bar on one time scale, marked failed, retried or still waiting', () => {
    mount(
      [],
      [
        apiRequest('/user', 100),
        apiRequest('/user/workspaces', 300, { status: 429 }),
        apiRequest('/user/workspaces', 500),
        apiRequest('/repositories/a', 800, { status: 404 }),
        { method: 'GET', url: `${API}/2.0/repositories/b`, start: 850 },
      ],
    );
    const table = screen.getByRole('table', { name: 'API requests' });
    // The scale runs to the latest end (or start, of one still waiting).
    expect(table.style.getPropertyValue('--span')).toBe('800');
    const bars = [...table.querySelectorAll<HTMLElement>('tbody tr td:last-child > span')];
    expect(bars.map((bar) => [bar.className, bar.style.getPropertyValue('--start'), bar.style.getPropertyValue('--duration')])).toEqual([
      ['inspector-bar', '0', '100'],
      ['inspector-bar failed', '200', '100'],
      ['inspector-bar retried', '400', '100'],
      ['inspector-bar failed', '700', '100'],
      ['inspector-bar waiting', '750', '0'],
    ]);
    expect(bars.every((bar) => bar.getAttribute('aria-hidden') === 'true')).toBe(true);
  });

  it('keeps a scale of at least 1 ms, for requests that take no time', () => {
    mount([], [apiRequest('/user', 0, { end: 0 })]);
    expect(screen.getByRole('table', { name: 'API requests' }).style.getPropertyValue('--span')).toBe('1');
  });
});

describe('updates', () => {
  const answered = (read: Partial<ApiRequest> = {}): ApiRequest => ({
    method: 'GET',
    url: `${API}/2.0/user?fields=a,b`,
    start: 0,
    end: 50,
    status: 200,
    ...read,
  });
  const waiting: ApiRequest = { method: 'GET', url: `${API}/2.0/user?fields=a,b`, start: 0 };
  const row = (request: ApiRequest): RequestRow => requestRows([request])[0] as RequestRow;

  it('add rows as requests come and change them in place as they end; what did not change is not rewritten', () => {
    const steps = [authorize()];
    const { root, view } = mount(steps, [waiting]);
    const table = screen.getByRole('table', { name: 'API requests' });
    const heading = within(root).getByRole('heading', { name: '1. The authorization request' });
    const label = within(table).getByRole('rowheader').lastChild;
    const status = within(table).getAllByRole('cell')[1]?.firstChild;
    expect(tableRows(table)[0]?.[2]).toBe('waiting');

    // The same steps, and the row unchanged: neither is drawn again (a selection in them survives).
    view.update({ steps, rows: [row(waiting)] });
    expect(within(root).getByRole('heading', { name: '1. The authorization request' })).toBe(heading);
    expect(within(table).getByRole('rowheader').lastChild).toBe(label);
    expect(within(table).getAllByRole('cell')[1]?.firstChild).toBe(status);

    // One more step, an answer, and a second request: the steps are drawn again, the row changes in place.
    const more = [...steps, callback([])];
    view.update({ steps: more, rows: [row(answered()), row(waiting)] });
    expect(within(root).getByRole('heading', { name: '1. The authorization request' })).not.toBe(heading);
    expect(tableRows(table).map((cells) => cells[2])).toEqual(['200', 'waiting']);
    expect(table.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(table.querySelector('tbody .inspector-bar')?.className).toBe('inspector-bar');
  });

  it('leave a finished row as drawn: nothing more is recorded for it, so it costs nothing again', () => {
    const { view } = mount([], [answered({ bytes: 20 })]);
    const table = screen.getByRole('table', { name: 'API requests' });
    const final = row(answered({ bytes: 20 }));
    view.update({ steps: [], rows: [{ ...final, outcome: '500', bytes: 21 }] });
    expect(tableRows(table)[0]?.slice(0, 6)).toEqual(['1', 'GET /2.0/user?fields=a,b', '200', '0 ms', '50 ms', '20']);
  });

  it('show a new sign-in’s steps in place of the last one’s, even when there are as many', () => {
    const { root, view } = mount([authorize()]);
    view.update({ steps: [authorize('https://example.test/other/authorize?state=s2')], rows: [] });
    const section = sectionOf(root, '1. The authorization request');
    expect(section.textContent).toContain('https://example.test/other/authorize');
    expect(tableRows(within(section).getByRole('table'))).toEqual([['state', 'query', 's2', PARAMETERS.state]]);
  });
});

describe('the stylesheet', () => {
  /** The selectors of `src/styles.css` that style the inspector, pseudo-elements left out. */
  function inspectorSelectors(): string[] {
    const css = readFileSync(resolve(import.meta.dirname, '../../src/styles.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    return [...css.matchAll(/([^{}@]+)\{/g)]
      .flatMap((match) => (match[1] ?? '').split(','))
      .map((selector) => selector.trim().replace(/::?(after|before)\b/g, ''))
      .filter((selector) => selector.includes('.inspector'));
  }

  it('styles something in a full inspector with each of its inspector rules (no class was renamed on one side only)', () => {
    const html = readFileSync(resolve(import.meta.dirname, '../../index.html'), 'utf8');
    const page = new DOMParser().parseFromString(html, 'text/html');
    document.body.replaceChildren(document.importNode(page.getElementById('flow') as HTMLElement, true));
    const container = document.getElementById('flow') as HTMLElement;
    container.querySelector('button')?.setAttribute('aria-expanded', 'true');
    const view = mountFlowInspectorView(container.querySelector('section > div') as HTMLElement, { onDownload: () => {} });
    view.update({
      steps: [authorize(), callback([['state', 's1']]), check('STATE_PRESENT'), check('STATE_MATCHES', false), refused],
      rows: requestRows([
        { method: 'GET', url: `${API}/2.0/user?fields=a`, start: 0, end: 10, status: 429 },
        { method: 'GET', url: `${API}/2.0/user?fields=a`, start: 20, end: 30, status: 200 },
        { method: 'GET', url: `${API}/2.0/repositories/a`, start: 40 },
      ]),
    });
    const selectors = inspectorSelectors();
    expect(selectors.length).toBeGreaterThan(20);
    for (const selector of selectors) expect(document.querySelector(selector), selector).not.toBeNull();
  });
});
