// @vitest-environment jsdom
/**
 * Every request the app (started whole, its fetch recording and passing the requests on to the
 * simulator) and the relay send names an operation of Atlassian's OpenAPI description: its path
 * template and method, only the query parameters it declares plus the global `fields`, `pagelen`
 * and `page`, and credentials that carry the scope the description names for it.
 */
import { screen, waitFor } from '@testing-library/dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN_SCOPES } from '../../sim/options.ts';
import { startSimulator } from '../../sim/index.ts';
import type { Simulator } from '../../sim/index.ts';
import { DEFAULT_SCOPES } from '../../sim/tokens.ts';
import { startHarness } from '../support/app-harness.ts';
import type { HarnessOptions } from '../support/app-harness.ts';
import { APP_STATE, CODE, callback, startSignIn, testRelay } from '../relay/support.ts';
import { DESCRIPTION, NAMED_EXCEPTIONS, PROVENANCE, allowedQuery, matchOperation, scopesFor } from './openapi.ts';

interface Sent {
  method: string;
  url: URL;
  status: number;
}

const checked: Sent[] = [];
const relayChecked: string[] = [];
const exceptionsUsed = new Set<string>();

afterAll(() => {
  console.log(
    `contract: ${checked.length} app requests and ${relayChecked.length} relay requests checked against ` +
      `Atlassian's OpenAPI description (x-revision ${PROVENANCE.x_revision})`,
  );
});

/** Checks one API request against the description; `granted` are the credential's scopes. */
function expectNamedOperation(sent: Sent, apiBase: string, granted: { kind: 'oauth' | 'apiToken'; scopes: readonly string[] }): void {
  const where = `${sent.method} ${sent.url.pathname}${sent.url.search}`;
  expect(sent.url.href.startsWith(`${apiBase}/`), where).toBe(true);
  const operation = matchOperation(sent.method, sent.url.pathname.slice(new URL(apiBase).pathname.length));
  expect(operation, `${where} names no operation of the description`).toBeDefined();
  if (operation === undefined) return;
  expect(DESCRIPTION.paths[operation.template][sent.method.toLowerCase()].deprecated, `${where} is deprecated`).not.toBe(true);

  const allowed = allowedQuery(sent.method, operation.template);
  for (const name of new Set(sent.url.searchParams.keys())) expect(allowed, `${where}: query parameter ${name}`).toContain(name);

  const scopes = scopesFor(sent.method, operation.template);
  scopes.exceptions.forEach((name) => exceptionsUsed.add(name));
  const needed = scopes[granted.kind];
  expect(needed.length, `${where}: the description names a scope`).toBeGreaterThan(0);
  for (const scope of needed) expect(granted.scopes, `${where} needs ${scope}`).toContain(scope);
  // The simulator, which enforces the same scopes, agreed.
  expect(sent.status, where).toBe(200);
  checked.push(sent);
}

// The whole app renders every repository in jsdom: generous limits for a busy machine.
const SLOW = { timeout: 30_000 };

describe('the app, signed in, loading everything through its client', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // Enough repositories for a second page in one workspace, few enough to render quickly.
    const workspaces = [
      { slug: 'dana-demo', name: 'Dana Demo', repositories: 12 },
      { slug: 'acme-platform', name: 'Acme Platform', repositories: 130 },
      { slug: 'empty-workspace', name: 'Empty Workspace', repositories: 0 },
    ];
    sim = await startSimulator({ bitbucketToday: true, workspaces });
  });
  afterAll(() => sim.close());

  /** Starts the app against the simulator; its fetch records each request and its status. */
  async function run(credentials: NonNullable<HarnessOptions['credentials']>): Promise<Sent[]> {
    const sent: Sent[] = [];
    startHarness({
      env: { VITE_BITBUCKET_API_URL: sim.apiBase },
      credentials,
      api: {
        intercept: async (url, request) => {
          const response = await fetch(url, { headers: request.headers });
          sent.push({ method: 'GET', url, status: response.status });
          return response;
        },
      },
    });
    const status = await screen.findByRole('status');
    await waitFor(() => expect(status.textContent).toMatch(/^\d+ repositories$/), { timeout: 20_000 });
    return sent;
  }

  it('with an OAuth token (the consumer scopes account and repository)', SLOW, async () => {
    const token = sim.issueToken({ scopes: DEFAULT_SCOPES });
    const sent = await run({ kind: 'bearer', accessToken: token, expiresAt: Date.now() + 3600e3, scopes: DEFAULT_SCOPES.split(' ') });
    expect(sent.length).toBeGreaterThan(3);
    for (const request of sent) expectNamedOperation(request, sim.apiBase, { kind: 'oauth', scopes: DEFAULT_SCOPES.split(' ') });
  });

  it("with an API token (Atlassian's read scopes for user, workspace and repository)", SLOW, async () => {
    const sent = await run({ kind: 'basic', email: 'demo@example.com', apiToken: 'demo-api-token' });
    expect(sent.length).toBeGreaterThan(3);
    for (const request of sent) expectNamedOperation(request, sim.apiBase, { kind: 'apiToken', scopes: API_TOKEN_SCOPES });
  });
});

describe('the simulator enforces the scope the description names for each operation', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ bitbucketToday: true });
  });
  afterAll(() => sim.close());

  const used = ['/user', '/user/workspaces', '/workspaces/dana-demo', '/repositories/dana-demo', '/repositories/dana-demo/dotfiles'];

  it.each(used)('GET %s: an API token lacking its Atlassian scope gets 403 naming that scope', async (path) => {
    const operation = matchOperation('GET', path);
    const [needed] = scopesFor('GET', operation?.template ?? '').apiToken;
    const scopes = API_TOKEN_SCOPES.filter((scope) => scope !== needed);
    sim.configure({ apiTokens: [{ email: 'e@example.org', token: 't', scopes }] });
    const response = await fetch(`${sim.apiBase}${path}`, { headers: { Authorization: `Basic ${btoa('e@example.org:t')}` } });
    expect(response.status).toBe(403);
    expect((await response.json()).error.detail).toEqual({ required: [needed], granted: scopes });
  });

  it.each(used)('GET %s: an OAuth token lacking its consumer scope gets 403 naming that scope', async (path) => {
    const operation = matchOperation('GET', path);
    const named = scopesFor('GET', operation?.template ?? '');
    named.exceptions.forEach((name) => exceptionsUsed.add(name));
    const [needed] = named.oauth;
    expect(needed, path).toBeDefined();
    const scopes = DEFAULT_SCOPES.split(' ').filter((scope) => scope !== needed);
    const response = await fetch(`${sim.apiBase}${path}`, {
      headers: { Authorization: `Bearer ${sim.issueToken({ scopes: scopes.join(' ') })}` },
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.detail).toEqual({ required: [needed], granted: scopes });
  });
});

describe('the relay', () => {
  const flow = DESCRIPTION.components.securitySchemes.oauth2.flows.authorizationCode;

  it("sends the browser to the description's authorizationUrl for a code, and posts the code to its tokenUrl", async () => {
    const { relay, calls } = testRelay();
    const start = await startSignIn(relay);
    expect(`${start.bitbucketUrl.origin}${start.bitbucketUrl.pathname}`).toBe(flow.authorizationUrl);
    expect(start.bitbucketUrl.searchParams.get('response_type')).toBe('code');
    relayChecked.push(start.bitbucketUrl.href);

    await callback(relay, { code: CODE, state: start.relayState }, start.cookie);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe(flow.tokenUrl);
    expect(call?.init.method).toBe('POST');
    expect(new URLSearchParams(String(call?.init.body)).get('grant_type')).toBe('authorization_code');
    expect(new Headers(call?.init.headers).get('authorization')).toMatch(/^Basic /);
    relayChecked.push(call?.url ?? '');
    expect(APP_STATE).not.toBe(start.relayState);
  });
});

describe('the named exceptions about requests', () => {
  it('each is needed by at least one check (none is left over)', () => {
    const named = NAMED_EXCEPTIONS.filter((exception) => exception.about === 'requests').map((exception) => exception.name);
    expect([...exceptionsUsed].sort()).toEqual(named.sort());
  });
});
