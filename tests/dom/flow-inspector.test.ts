// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/dom';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createSignIn } from '../../packages/bitbucket-browser-auth/src/sign-in.ts';
import { reduceToken } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import { completeSignIn } from '../../src/callback-page.ts';
import { createFlowRecorder, recordSignIn } from '../../src/flow-record.ts';
import { mountFlowToggle } from '../../src/flow-toggle.ts';
import { fakeClock, fakeCore } from '../support/core.ts';
import { memoryStorage } from '../support/memory-storage.ts';
import { loadTemplates } from '../support/page-templates.ts';

const TOKEN = 'tok-5f4e3d2c1b0a-the-whole-secret';
const NOW = Date.parse('2026-11-28T12:00:00Z');

/** The page's own Flow inspector markup (the `#flow` element of `page`), and the callback page's parts. */
function openPage(page: 'index.html' | 'oauth-callback.html') {
  const html = readFileSync(resolve(import.meta.dirname, '../..', page), 'utf8');
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  document.body.replaceChildren(document.importNode(parsed.getElementById('flow') as HTMLElement, true));
  const heading = document.createElement('h1');
  heading.tabIndex = -1;
  const root = document.createElement('div');
  document.body.prepend(heading, root);
  loadTemplates(page);
  return { container: document.getElementById('flow') as HTMLElement, heading, root };
}

/** A sign-in as this tab would record it: the authorize request, then the callback page's work. */
async function signIn(hash: (state: string) => string, storage = memoryStorage()) {
  const page = openPage('oauth-callback.html');
  const flow = createFlowRecorder(
    storage,
    () => NOW,
    () => 0,
  );
  const core = fakeCore({ storage, storageKey: 'bitbucket-starter', clock: fakeClock(NOW), observe: recordSignIn(flow) });
  const auth = createSignIn(core.deps);
  auth.signIn({ returnTo: '/' });
  const state = new URL(core.navigations[0] ?? '').searchParams.get('state') ?? '';
  core.page.href = `http://localhost:3000/oauth-callback${hash(state)}`;
  const completed = await completeSignIn(auth, {
    base: '/',
    markArrived: () => {},
    replace: () => {},
    root: page.root,
    heading: page.heading,
    setTitle: () => {},
  });
  return { ...page, flow, storage, completed, state };
}

const answer = (state: string) => `#access_token=${TOKEN}&token_type=bearer&expires_in=7200&scopes=account%20repository&state=${state}`;

async function open() {
  fireEvent.click(screen.getByRole('button', { name: /flow inspector/i }));
  const region = await screen.findByRole('region', { name: 'Flow inspector' });
  await within(region).findByRole('heading', { name: /1\. The authorization request/ });
  return region;
}

describe('the Flow inspector button', () => {
  it('is hidden until the tab has recorded something, then shows', () => {
    const { container } = openPage('index.html');
    const flow = createFlowRecorder(memoryStorage(), Date.now, () => 0);
    mountFlowToggle(container, flow);
    expect(screen.queryByRole('button', { name: /flow inspector/i })).toBeNull();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?state=s' });
    expect(screen.getByRole('button', { name: /flow inspector/i }).getAttribute('aria-expanded')).toBe('false');
  });

  it('opens the region on demand and closes it, leaving nothing that renders', async () => {
    const { container, flow } = await signIn(answer);
    mountFlowToggle(container, flow);
    const button = screen.getByRole('button', { name: /flow inspector/i });
    const region = await open();
    expect(button.getAttribute('aria-expanded')).toBe('true');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('region', { name: 'Flow inspector' })).toBeNull();
    expect(region.querySelector('h3')).toBeNull();
    // Closed, a new request changes nothing in the page.
    const before = document.body.innerHTML;
    await flow.recordFetch(async () => Response.json({}))('https://api.example/2.0/user');
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(document.body.innerHTML).toBe(before);
  });
});

describe('the Flow inspector', () => {
  it('shows a successful sign-in step by step, in order, each naming the code that did it', async () => {
    const { container, flow, completed, state } = await signIn(answer);
    expect(completed).toBe(true);
    mountFlowToggle(container, flow);
    const region = await open();
    const headings = within(region)
      .getAllByRole('heading', { level: 3 })
      .map((h) => h.textContent);
    expect(headings).toEqual([
      '1. The authorization request',
      '2. What came back to /oauth-callback',
      '3. The checks the callback page made',
      '4. Where the token was kept',
      '5. API requests',
    ]);

    const authorize = within(region).getByRole('table', { name: 'Authorization request parameters' });
    const row = (table: HTMLElement, name: string) => within(table).getByRole('rowheader', { name }).closest('tr') as HTMLElement;
    expect(row(authorize, 'client_id').textContent).toContain('KEY');
    expect(row(authorize, 'response_type').textContent).toContain('token');
    expect(row(authorize, 'redirect_uri').textContent).toContain('http://localhost:3000/oauth-callback');
    expect(row(authorize, 'state').textContent).toContain(state);
    expect(region.textContent).toContain('https://bitbucket.org/site/oauth2/authorize');

    const callback = within(region).getByRole('table', { name: 'Callback parameters' });
    expect(row(callback, 'access_token').textContent).toContain(reduceToken(TOKEN));
    expect(row(callback, 'expires_in').textContent).toContain('7200');

    const checks = within(within(region).getByRole('list', { name: 'Checks made by the callback page' })).getAllByRole('listitem');
    expect(checks).toHaveLength(10);
    for (const check of checks) expect(check.textContent).toMatch(/^Passed: /);
    expect(checks[5]?.textContent).toContain('state matches the one stored');
    expect(checks[4]?.textContent).toContain('bitbucket-browser-auth/src/session.ts · takePending');

    expect(region.textContent).toContain('bitbucket-starter:session');
    expect(region.textContent).toContain('2 hours after it arrived');
    for (const source of [
      'bitbucket-browser-auth/src/authorize.ts · startSignIn',
      'bitbucket-browser-auth/src/callback.ts · readCallback',
      'bitbucket-browser-auth/src/session.ts · saveCredentials',
    ]) {
      expect(region.textContent).toContain(source);
    }
    expect(document.body.innerHTML).not.toContain(TOKEN);
  });

  it('explains only the parameters it knows: one named constructor or __proto__ gets no words from elsewhere', async () => {
    const { container, flow } = await signIn((state) => `${answer(state)}&constructor=c&__proto__=p&toString=t`);
    mountFlowToggle(container, flow);
    const region = await open();
    const callback = within(region).getByRole('table', { name: 'Callback parameters' });
    for (const name of ['constructor', '__proto__', 'toString']) {
      const cells = within(within(callback).getByRole('rowheader', { name }).closest('tr') as HTMLElement).getAllByRole('cell');
      expect(cells.at(-1)?.textContent, name).toBe('');
    }
    const known = within(within(callback).getByRole('rowheader', { name: 'expires_in' }).closest('tr') as HTMLElement).getAllByRole('cell');
    expect(known.at(-1)?.textContent).not.toBe('');
  });

  it('shows which check failed, in words, and that the sign-in stopped there', async () => {
    const { container, flow, completed, storage } = await signIn(() => answer('forged'));
    expect(completed).toBe(false);
    mountFlowToggle(container, flow);
    const region = await open();
    const checks = within(within(region).getByRole('list', { name: 'Checks made by the callback page' })).getAllByRole('listitem');
    expect(checks.map((check) => check.textContent?.split(':')[0])).toEqual(['Passed', 'Passed', 'Passed', 'Passed', 'Passed', 'Failed']);
    expect(checks.at(-1)?.textContent).toContain('state matches the one stored');
    expect(region.textContent).toContain('stopped at the failed check and was refused with the code STATE_MISMATCH');
    expect(region.textContent).toContain('Nowhere: the sign-in was refused.');
    expect(storage.getItem('bitbucket-starter:session')).toBeNull();
  });

  it('lists the API requests as they come, and announces a summary only once none is in flight', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame'] });
    try {
      const { container, flow } = await signIn(answer);
      mountFlowToggle(container, flow);
      fireEvent.click(screen.getByRole('button', { name: /flow inspector/i }));
      await vi.waitFor(() => expect(screen.getByText('No API request has been sent from this page yet.')).toBeTruthy());
      const summary = container.querySelector('[aria-live]') as HTMLElement;

      let answer429!: (response: Response) => void;
      const fetch = flow.recordFetch((input) =>
        String(input).endsWith('/user') && !answer429
          ? new Promise<Response>((resolve) => (answer429 = resolve))
          : Promise.resolve(Response.json({ values: [], page: 1, size: 0, pagelen: 100 })),
      );
      const first = fetch('https://api.example/2.0/user');
      await vi.advanceTimersByTimeAsync(300);
      const table = screen.getByRole('table', { name: 'API requests' });
      expect(within(table).getAllByRole('row')).toHaveLength(2);
      expect(within(table).getAllByRole('row')[1]?.textContent).toContain('waiting');
      answer429(new Response('slow down', { status: 429 }));
      await first;
      await (await fetch('https://api.example/2.0/user')).json();
      await vi.advanceTimersByTimeAsync(300);
      const rows = within(table).getAllByRole('row').slice(1);
      expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['429', '200']);
      expect(rows[1]?.textContent).toContain('retry 1, after 429');
      expect(rows[1]?.textContent).toContain('1 of 1');
      // Not per row: the summary waits until loading has been over for a moment.
      expect(summary.textContent).toBe('');
      await vi.advanceTimersByTimeAsync(600);
      expect(summary.textContent).toMatch(/^2 API requests finished in .*: 1 failed, 1 retry\.$/);
    } finally {
      vi.useRealTimers();
    }
  });
});
