// @vitest-environment node
/**
 * Every answer the simulator gives on the routes the app uses, and its error bodies, with and
 * without the app's `fields`, validated against Atlassian's OpenAPI description (the extract in
 * ./openapi/) by a real JSON-schema validator. Differences are accepted only through the named
 * exceptions of ./openapi.ts; the last test checks that each of them is still needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_FIELDS, WORKSPACE_FIELDS } from '../../src/api-shapes.ts';
import { startSimulator } from '../../sim/index.ts';
import type { SimOptions, Simulator } from '../../sim/index.ts';
import { NAMED_EXCEPTIONS, PROVENANCE, SOURCE_TEMPLATE, check, matchOperation, schemaFor } from './openapi.ts';

/** One simulator answer as checked. */
interface Answer {
  label: string;
  url: string;
  status: number;
  schema: string;
  exceptions: string[];
}

/** Hundreds of requests a test: generous limits for a busy machine. */
const SLOW = { timeout: 60_000 };

const checked: Answer[] = [];
const exceptionsUsed = new Set<string>();

/** GETs `url` and checks the answer against the schema the description declares for it. */
async function checkAnswer(sim: Simulator, url: string, headers: Record<string, string>, label: string): Promise<unknown> {
  const response = await fetch(url.startsWith('http') ? url : `${sim.apiBase}${url}`, { headers });
  const target = new URL(response.url);
  const path = target.pathname.replace(/^\/2\.0/, '');
  const text = await response.text();
  const where = `${label}: ${response.status} ${path}${target.search}`;

  const exceptions: string[] = [];
  let schema: string;
  const operation = matchOperation('GET', path);
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 429) {
    // Named exception rate-limit-is-plain-text: the limiter's own words, not an error object.
    expect(type, where).toMatch(/^text\/plain/);
    expect(text, where).toBe('Rate limit for this resource has been exceeded');
    schema = '(text/plain)';
    exceptions.push('rate-limit-is-plain-text');
  } else if (operation?.template === SOURCE_TEMPLATE && response.status === 200 && !type.startsWith('application/json')) {
    // Named exception source-file-is-raw: the file itself, as long as its entry says.
    expect(type, where).toMatch(/^(text\/plain|image\/svg\+xml)$/);
    const meta = new URL(target);
    meta.searchParams.set('format', 'meta');
    const entry = (await checkAnswer(sim, meta.href, headers, label)) as { type?: unknown; size?: unknown };
    expect(entry.type, where).toBe('commit_file');
    expect(Buffer.byteLength(text), where).toBe(entry.size);
    schema = '(raw file)';
    exceptions.push('source-file-is-raw');
  } else {
    expect(type, where).toMatch(/^application\/json/);
    // A path of no operation (GET /2.0/nope) gets Bitbucket's error object all the same.
    const declared =
      operation === undefined
        ? { schema: 'error', exceptions: [] }
        : schemaFor('GET', operation.template, response.status, target.searchParams);
    schema = declared.schema;
    exceptions.push(...declared.exceptions);
    const verdict = check(schema, JSON.parse(text), { status: response.status, partial: target.searchParams.has('fields') });
    expect(verdict.unexplained, `${where} against ${schema}`).toEqual([]);
    exceptions.push(...verdict.exceptions);
  }
  for (const name of exceptions) exceptionsUsed.add(name);
  checked.push({ label, url: target.href, status: response.status, schema, exceptions });
  return text === '' || !type.startsWith('application/json') ? undefined : JSON.parse(text);
}

/** Checks a list page and every page after it, following `next`. */
async function checkAllPages(sim: Simulator, first: string, headers: Record<string, string>, label: string): Promise<number> {
  let pages = 0;
  for (let url: string | undefined = first; url !== undefined; pages++) {
    const body = (await checkAnswer(sim, url, headers, label)) as { next?: string } | undefined;
    url = body?.next;
  }
  return pages;
}

/** The simulators the answers come from: each behaviour that changes what is sent. */
const VARIANTS: Array<[string, SimOptions]> = [
  ['classic', {}],
  ['bitbucket-today', { bitbucketToday: true }],
  ['hostile data', { hostile: true }],
  ['no size, cursor pages', { omitSize: true, pagination: 'cursor' }],
];

afterAll(() => {
  const byException = [...exceptionsUsed].sort().map((name) => `${name} (${checked.filter((a) => a.exceptions.includes(name)).length})`);
  console.log(
    `contract: ${checked.length} simulator answers checked against Atlassian's OpenAPI description ` +
      `(x-revision ${PROVENANCE.x_revision}); named exceptions used: ${byException.join(', ')}`,
  );
});

describe.each(VARIANTS)('the simulator (%s) answers as the description says', (variant, options) => {
  let sim: Simulator;
  let auth: Record<string, string>;
  beforeAll(async () => {
    sim = await startSimulator(options);
    auth = { Authorization: `Bearer ${sim.issueToken()}` };
  });
  afterAll(() => sim.close());

  it('GET /user, without fields and with a partial response', SLOW, async () => {
    await checkAnswer(sim, '/user', auth, variant);
    await checkAnswer(sim, '/user?fields=display_name', auth, variant);
  });

  it("GET /user/workspaces, every page, without fields and with the app's", SLOW, async () => {
    const app = `/user/workspaces?pagelen=100&fields=${encodeURIComponent(WORKSPACE_FIELDS)}`;
    expect(await checkAllPages(sim, '/user/workspaces', auth, variant)).toBeGreaterThan(0);
    expect(await checkAllPages(sim, app, auth, variant)).toBeGreaterThan(0);
  });

  it('GET /workspaces/{workspace}, for every workspace, by slug and by UUID', SLOW, async () => {
    for (const { workspace } of sim.data.workspaces) {
      await checkAnswer(sim, `/workspaces/${workspace.slug}`, auth, variant);
      await checkAnswer(sim, `/workspaces/${encodeURIComponent(workspace.uuid)}`, auth, variant);
    }
  });

  it("GET /repositories/{workspace}, every page of every workspace, without fields and with the app's", SLOW, async () => {
    for (const { workspace } of sim.data.workspaces) {
      const slug = encodeURIComponent(workspace.slug);
      await checkAllPages(sim, `/repositories/${slug}`, auth, variant);
      await checkAllPages(sim, `/repositories/${slug}?pagelen=100&fields=${encodeURIComponent(REPOSITORY_FIELDS)}`, auth, variant);
    }
  });

  it('GET /repositories/{workspace}/{repo_slug}, for every repository', SLOW, async () => {
    for (const { workspace, repositories } of sim.data.workspaces) {
      for (const repository of repositories) {
        await checkAnswer(sim, `/repositories/${workspace.slug}/${encodeURIComponent(repository.slug)}`, auth, variant);
      }
    }
  });

  it('GET …/refs/branches and …/refs/branches/{name}: dana-demo/site and three repositories of each workspace', SLOW, async () => {
    const repositories = [sim.data.site.repository, ...sim.data.workspaces.flatMap(({ repositories }) => repositories.slice(0, 3))];
    for (const { full_name } of repositories) {
      const names: string[] = [];
      for (let url: string | undefined = `/repositories/${full_name}/refs/branches?pagelen=100`; url !== undefined;) {
        const page = (await checkAnswer(sim, url, auth, variant)) as { next?: string; values: Array<{ name: string }> };
        names.push(...page.values.map((branch) => branch.name));
        url = page.next;
      }
      for (const name of names.slice(0, 10))
        await checkAnswer(sim, `/repositories/${full_name}/refs/branches/${encodeURIComponent(name)}`, auth, variant);
      await checkAnswer(sim, `/repositories/${full_name}/refs/branches?fields=next,values.name,values.target.hash`, auth, variant);
    }
    await checkAnswer(sim, '/repositories/dana-demo/site/refs/branches/no-such-branch', auth, variant);
  });

  it(
    'GET …/src/{commit}/{path}: every directory and file of dana-demo/site on each branch, as Decap asks, and the errors',
    SLOW,
    async () => {
      const site = '/repositories/dana-demo/site';
      for (const branch of ['main', 'redesign']) {
        const { target } = (await checkAnswer(sim, `${site}/refs/branches/${branch}`, auth, variant)) as { target: { hash: string } };
        const entries: Array<{ type: string; path: string }> = [];
        for (let url: string | undefined = `${site}/src/${target.hash}/?max_depth=10`; url !== undefined;) {
          const page = (await checkAnswer(sim, url, auth, variant)) as { next?: string; values: Array<{ type: string; path: string }> };
          entries.push(...page.values);
          url = page.next;
        }
        expect(entries.length).toBeGreaterThan(10);
        for (const entry of entries) {
          if (entry.type === 'commit_directory')
            await checkAllPages(sim, `${site}/src/${target.hash}/${entry.path}?max_depth=1&pagelen=20`, auth, variant);
          else await checkAnswer(sim, `${site}/src/${target.hash}/${entry.path}`, auth, variant);
        }
        await checkAnswer(sim, `${site}/src/${branch}/content?format=meta`, auth, variant);
        await checkAnswer(sim, `${site}/src/${branch}/content/posts?fields=next,values.path,values.commit.hash`, auth, variant);
      }
      const [repository] = sim.data.workspaces[0]?.repositories ?? [];
      await checkAnswer(sim, `/repositories/${repository?.full_name}/src/${repository?.mainbranch?.name ?? 'main'}/`, auth, variant);
      await checkAnswer(sim, `${site}/src/main/static/media?max_depth=1&pagelen=100`, auth, variant);
      await checkAnswer(sim, `${site}/src/main/.gitattributes`, auth, variant);
      await checkAnswer(sim, `${site}/src/${'0'.repeat(40)}/README.md`, auth, variant);
      await checkAnswer(sim, `${site}/src/main/?max_depth=0`, auth, variant);
    },
  );

  it('GET …/commits: with path and include as Decap sends them, every page of every list, and the 404', SLOW, async () => {
    const site = sim.data.site;
    const files = [...(site.history.commits[0]?.files.keys() ?? [])];
    expect(files.length).toBeGreaterThan(3);
    for (const path of [...files, 'content/posts', 'content/drafts']) {
      await checkAnswer(sim, `/repositories/dana-demo/site/commits?path=${encodeURIComponent(path)}&include=main`, auth, variant);
    }
    await checkAllPages(sim, '/repositories/dana-demo/site/commits', auth, variant);
    await checkAnswer(sim, '/repositories/dana-demo/site/commits?include=main&pagelen=100', auth, variant);
    for (const { repositories } of sim.data.workspaces) {
      for (const { full_name } of repositories.slice(0, 5)) await checkAllPages(sim, `/repositories/${full_name}/commits`, auth, variant);
    }
    await checkAnswer(sim, '/repositories/dana-demo/site/commits?include=no-such-branch', auth, variant);
  });

  it('the error bodies: 400, 401 (five ways), 403, 404 (three ways), 405-free GETs, 410 and injected faults', SLOW, async () => {
    const token = sim.issueToken();
    const expired = sim.issueToken({ lifetimeSeconds: 0 });
    await checkAnswer(sim, '/repositories/acme-platform?page=0', auth, variant);
    await checkAnswer(sim, '/user', {}, variant);
    await checkAnswer(sim, '/user', { Authorization: 'Bearer not-a-token' }, variant);
    await checkAnswer(sim, '/user', { Authorization: `Bearer ${expired}` }, variant);
    await checkAnswer(sim, `/user?access_token=${token}`, {}, variant);
    await checkAnswer(sim, '/user', { Authorization: `Basic ${Buffer.from('demo@example.com:wrong').toString('base64')}` }, variant);
    await checkAnswer(sim, '/repositories/dana-demo', { Authorization: `Bearer ${sim.issueToken({ scopes: 'account' })}` }, variant);
    await checkAnswer(sim, '/workspaces/no-such-workspace', auth, variant);
    await checkAnswer(sim, '/repositories/no-such-workspace', auth, variant);
    await checkAnswer(sim, '/repositories/dana-demo/no-such-repository', auth, variant);
    await checkAnswer(sim, '/nope', auth, variant);
    for (const removed of ['/repositories', '/workspaces', '/user/permissions/workspaces', '/user/permissions/repositories']) {
      await checkAnswer(sim, removed, auth, variant);
    }
    for (const status of [401, 403, 404, 410, 429, 500, 502, 503, 504]) {
      sim.configure({ faults: [{ path: '/user', kind: 'status', status, times: 1 }] });
      await checkAnswer(sim, '/user', auth, variant);
    }
  });

  it('an API token without read:workspace:bitbucket: the 403 with {required, granted}', SLOW, async () => {
    sim.configure({ apiTokens: [{ email: 'me@example.org', token: 't', scopes: ['read:user:bitbucket'] }] });
    const basic = { Authorization: `Basic ${Buffer.from('me@example.org:t').toString('base64')}` };
    await checkAnswer(sim, '/user', basic, variant);
    await checkAnswer(sim, '/user/workspaces', basic, variant);
    await checkAnswer(sim, `/user/workspaces?pagelen=100&fields=${encodeURIComponent(WORKSPACE_FIELDS)}`, basic, variant);
  });
});

describe('the named exceptions', () => {
  it('each is needed by at least one answer of the simulator (none is left over)', () => {
    expect(checked.length).toBeGreaterThan(1000);
    const named = NAMED_EXCEPTIONS.filter((exception) => exception.about === 'answers').map((exception) => exception.name);
    expect([...exceptionsUsed].sort()).toEqual(named.sort());
  });

  it('each explains itself', () => {
    for (const exception of NAMED_EXCEPTIONS) expect(exception.why.length, exception.name).toBeGreaterThan(40);
  });
});
