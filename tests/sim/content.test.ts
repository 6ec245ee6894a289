// @vitest-environment node
/**
 * What a repository holds, as Decap CMS reads it: `dana-demo/site` (always in the data), a
 * branch by name, `src` (a directory's entries, a file's raw text), and `commits` with `path`
 * and `include`; in both behaviours, with the API's usual refusals, CORS and faults.
 */
import { describe, expect, it } from 'vitest';
import type { SimOptions, Simulator } from '../../sim/index.ts';
import { historyOf } from '../../sim/repository-content.ts';
import { basic, bearer, getJson, getText, manualClock, sharedSimulator, start } from './helpers.ts';
import type { Json } from './helpers.ts';

const SITE = '/repositories/dana-demo/site';
const HELLO = 'content/posts/2026-09-14-hello-from-bitbucket.md';
const POSTS = [
  HELLO,
  'content/posts/2026-09-28-signing-in-through-a-relay.md',
  'content/posts/2026-10-12-following-next.md',
  'content/posts/2026-10-26-front-matter-in-a-nutshell.md',
];
const HASH = /^[0-9a-f]{40}$/;

const MODES: Array<[string, SimOptions]> = [
  ['classic', {}],
  ['bitbucket-today', { bitbucketToday: true }],
];

/** Every value of a list, following `next`; also how many pages it took. */
async function allValues(sim: Simulator, first: string): Promise<{ values: Json[]; pages: Json[] }> {
  const values: Json[] = [];
  const pages: Json[] = [];
  for (let url: string | undefined = first; url !== undefined;) {
    const { status, body } = await getJson(sim, url);
    expect(status, url).toBe(200);
    pages.push(body);
    values.push(...body.values);
    url = body.next;
    if (pages.length > 50) throw new Error('next never ends');
  }
  return { values, pages };
}

/** The hash `main` points at. */
async function mainHead(sim: Simulator): Promise<string> {
  return (await getJson(sim, `${SITE}/refs/branches/main`)).body.target.hash;
}

describe.each(MODES)('dana-demo/site, as Decap CMS reads it (%s)', (_, mode) => {
  const shared = sharedSimulator(mode);

  it('GET /repositories/dana-demo/site: a whole repository object whose main branch is main', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, SITE);
    expect(status).toBe(200);
    expect(body).toEqual(sim.data.site.repository);
    expect(body).toMatchObject({
      type: 'repository',
      full_name: 'dana-demo/site',
      slug: 'site',
      scm: 'git',
      mainbranch: { type: 'branch', name: 'main' },
      workspace: { type: 'workspace', slug: 'dana-demo', uuid: sim.data.user.uuid },
      owner: { type: 'user', nickname: 'dana-demo' },
      links: { html: { href: 'https://bitbucket.org/dana-demo/site' }, source: { href: expect.any(String) } },
    });
    expect(Date.parse(body.updated_on)).toBeGreaterThanOrEqual(Date.parse(body.created_on));
  });

  it('GET …/refs/branches/main: a branch whose target is the whole head commit', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, `${SITE}/refs/branches/main`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      type: 'branch',
      name: 'main',
      links: {
        self: { href: `${sim.apiBase}${SITE}/refs/branches/main` },
        html: { href: 'https://bitbucket.org/dana-demo/site/branch/main' },
      },
      merge_strategies: expect.arrayContaining(['merge_commit']),
      target: {
        type: 'commit',
        hash: expect.stringMatching(HASH),
        date: '2026-10-26T19:02:15+00:00',
        message: 'Add a post about front matter\n',
        author: { type: 'author', raw: 'Sam Writer <sam@example.com>' },
        parents: [{ type: 'commit', hash: expect.stringMatching(HASH), links: { self: { href: expect.any(String) } } }],
        repository: { type: 'repository', full_name: 'dana-demo/site' },
      },
    });
    expect(body.target.links.self.href).toBe(`${sim.apiBase}${SITE}/commit/${body.target.hash}`);
    // An author Bitbucket knows no account for has only the raw text.
    expect(body.target.author).not.toHaveProperty('user');
  });

  it('GET …/src/{hash}/content/posts?max_depth=1&pagelen=20: the four posts as commit_file entries, no size, cached a day', async () => {
    const sim = shared();
    const head = await mainHead(sim);
    const { status, headers, body } = await getJson(sim, `${SITE}/src/${head}/content/posts?max_depth=1&pagelen=20`);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('max-age=86400');
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(body).toEqual({ pagelen: 20, page: 1, values: expect.any(Array) });
    expect(body.values.map((entry: Json) => entry.path)).toEqual(POSTS);
    const [first] = body.values;
    expect(first).toEqual({
      type: 'commit_file',
      path: HELLO,
      size: expect.any(Number),
      mimetype: null,
      attributes: [],
      commit: { type: 'commit', hash: head, links: { self: { href: expect.any(String) }, html: { href: expect.any(String) } } },
      links: {
        self: { href: `${sim.apiBase}${SITE}/src/${head}/${HELLO}` },
        meta: { href: `${sim.apiBase}${SITE}/src/${head}/${HELLO}?format=meta` },
        history: { href: `${sim.apiBase}${SITE}/filehistory/${head}/${HELLO}` },
      },
    });
  });

  it('GET …/src/{hash}/{post}: its raw text, front matter and body, text/plain, cached a day', async () => {
    const sim = shared();
    const head = await mainHead(sim);
    const { status, headers, text } = await getText(sim, `${SITE}/src/${head}/${HELLO}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/plain');
    expect(headers.get('cache-control')).toBe('max-age=86400');
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(text).toMatch(/^---\ntitle: "Hello from Bitbucket"\ndate: "2026-09-14T09:00:00.000Z"\ndescription: "[^"]+"\n---\n\n/);
    expect(text).toContain('in a Bitbucket repository');
    // The size the listing gave is the file's, in bytes.
    const listing = await getJson(sim, `${SITE}/src/${head}/content/posts?fields=values.path,values.size`);
    expect(listing.body.values[0]).toEqual({ path: HELLO, size: Buffer.byteLength(text) });
  });

  it('GET …/commits?path={post}&include=main: the commits that changed it, newest first; none for an untouched path', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, `${SITE}/commits?path=${HELLO}&include=main`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ pagelen: 30, size: 2, page: 1 });
    expect(body.values.map((commit: Json) => commit.message)).toEqual([
      'Fix a typo in the first post\n',
      'Start the site: a README, the logo and a first post\n',
    ]);
    expect(body.values[0]).toMatchObject({
      type: 'commit',
      hash: expect.stringMatching(HASH),
      date: '2026-10-20T11:31:44+00:00',
      author: { type: 'author', raw: 'Dana Demo <demo@example.com>', user: { type: 'user', display_name: sim.data.user.display_name } },
      parents: [{ type: 'commit' }],
    });
    // The root commit has no parent.
    expect(body.values[1].parents).toEqual([]);

    const none = await getJson(sim, `${SITE}/commits?path=content/drafts&include=main`);
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ pagelen: 30, size: 0, page: 1, values: [] });
  });

  it('answers an API token as well as an OAuth token', async () => {
    const sim = shared();
    const auth = { Authorization: basic('demo@example.com', 'demo-api-token') };
    expect((await getJson(sim, SITE, auth)).status).toBe(200);
    expect((await getText(sim, `${SITE}/src/main/${HELLO}`, auth)).status).toBe(200);
  });
});

describe('dana-demo/site is always there, and counted nowhere', () => {
  const shared = sharedSimulator();

  it('is listed in no workspace: the default workspaces keep 12, 288, 5 and 0 repositories', async () => {
    const sim = shared();
    const sizes = [];
    for (const slug of ['dana-demo', 'acme-platform', 'tiny-studio', 'empty-workspace']) {
      const { values } = await allValues(sim, `/repositories/${slug}?pagelen=100&fields=next,values.full_name`);
      expect(values.map((repo) => repo.full_name)).not.toContain('dana-demo/site');
      sizes.push(values.length);
    }
    expect(sizes).toEqual([12, 288, 5, 0]);
  });

  it('is there in a data set without the dana-demo workspace, which stays out of the user’s workspaces', async () => {
    const sim = await start({ workspaces: [{ slug: 'big', name: 'Big', repositories: 3 }] });
    expect((await getJson(sim, SITE)).status).toBe(200);
    expect((await getText(sim, `${SITE}/src/main/${HELLO}`)).status).toBe(200);
    expect((await getJson(sim, '/user/workspaces?fields=values.workspace.slug')).body.values).toEqual([{ workspace: { slug: 'big' } }]);
    expect((await getJson(sim, '/repositories/big?fields=size')).body).toEqual({ size: 3 });
  });

  it('is found by the UUIDs of its workspace and itself, as any repository is', async () => {
    const sim = shared();
    const { workspace, uuid } = sim.data.site.repository;
    const { status, body } = await getJson(sim, `/repositories/${encodeURIComponent(workspace.uuid)}/${encodeURIComponent(uuid)}`);
    expect(status).toBe(200);
    expect(body.full_name).toBe('dana-demo/site');
  });

  it('has the same history, files and hashes on every run and for every seed', async () => {
    const other = await start({ seed: 42 });
    const sim = shared();
    const head = await mainHead(sim);
    expect(await mainHead(other)).toBe(head);
    expect((await getText(other, `${SITE}/src/${head}/${HELLO}`)).text).toBe((await getText(sim, `${SITE}/src/${head}/${HELLO}`)).text);
  });
});

describe('GET …/src/{commit}/{path}', () => {
  const shared = sharedSimulator();

  it('lists a directory breadth first to max_depth (default 1), in git’s order, directories as commit_directory', async () => {
    const sim = shared();
    const paths = async (query: string) =>
      (await allValues(sim, `${SITE}/src/main/?${query}&pagelen=100&fields=next,values.path,values.type`)).values.map(
        (entry) => `${entry.type === 'commit_directory' ? 'dir' : 'file'} ${entry.path}`,
      );
    expect(await paths('')).toEqual(['file README.md', 'dir content', 'dir static']);
    expect(await paths('max_depth=1')).toEqual(await paths(''));
    expect(await paths('max_depth=2')).toEqual([
      'file README.md',
      'dir content',
      'dir static',
      'dir content/pages',
      'dir content/posts',
      'dir static/images',
    ]);
    const deep = await paths('max_depth=3');
    expect(deep.slice(6)).toEqual([
      'file content/pages/about.md',
      ...POSTS.map((path) => `file ${path}`),
      'file static/images/logo.svg',
      'file static/images/relay.svg',
    ]);
    expect(await paths('max_depth=10')).toEqual(deep);
  });

  it('pages a listing with pagelen and next, keeping max_depth; every entry once', async () => {
    const sim = shared();
    const { values, pages } = await allValues(sim, `${SITE}/src/main/?max_depth=3`);
    expect(pages.map((page) => page.values.length)).toEqual([10, 3]);
    expect(pages.map((page) => page.page)).toEqual([1, 2]);
    expect(new URL(pages[0].next).searchParams.get('max_depth')).toBe('3');
    expect(pages[1]).not.toHaveProperty('next');
    expect(pages.every((page) => !('size' in page))).toBe(true);
    expect(new Set(values.map((entry) => entry.path)).size).toBe(13);
  });

  it('pages with opaque cursors too, when the simulator does', async () => {
    const sim = await start({ pagination: 'cursor' });
    const { values, pages } = await allValues(sim, `${SITE}/src/main/?max_depth=3`);
    expect(pages).toHaveLength(2);
    expect(new URL(pages[0].next).searchParams.has('cursor')).toBe(true);
    expect(values).toHaveLength(13);
  });

  it('takes the commit as a branch, a whole hash or a short one, and lists the entries at that commit', async () => {
    const sim = shared();
    const head = await mainHead(sim);
    const listing = (commit: string) => getJson(sim, `${SITE}/src/${commit}/content/posts?fields=values.path,values.commit.hash`);
    const byBranch = await listing('main');
    expect(byBranch.body.values.every((entry: Json) => entry.commit.hash === head)).toBe(true);
    expect((await listing(head)).body).toEqual(byBranch.body);
    expect((await listing(head.slice(0, 7))).body).toEqual(byBranch.body);
    // Too short to name a commit.
    expect((await listing(head.slice(0, 6))).status).toBe(404);
  });

  it('serves each file as it was at the commit asked for', async () => {
    const sim = shared();
    const history = (await getJson(sim, `${SITE}/commits?path=${HELLO}&fields=values.hash`)).body.values.map((c: Json) => c.hash);
    const [fixed, original] = await Promise.all(history.map((hash: string) => getText(sim, `${SITE}/src/${hash}/${HELLO}`)));
    expect(fixed?.text).toContain('a Bitbucket repository');
    expect(original?.text).toContain('a Bitbucekt repository');
    // The branch redesign has another logo; main has not seen it.
    const logos = await Promise.all(['main', 'redesign'].map((branch) => getText(sim, `${SITE}/src/${branch}/static/images/logo.svg`)));
    expect(logos[0]?.headers.get('content-type')).toBe('image/svg+xml');
    expect(logos[0]?.text).toContain('rx="8"');
    expect(logos[1]?.text).toContain('rx="32"');
  });

  it('answers 404 with Bitbucket’s error for a missing path, and for a commit it does not know', async () => {
    const sim = shared();
    const missing = await getJson(sim, `${SITE}/src/main/static/media`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ type: 'error', error: { message: 'No such file or directory: static/media' } });
    expect(missing.headers.get('cache-control')).toBe('max-age=86400');
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    // Decap looks for .gitattributes (Git LFS) before it saves: this site has none.
    expect((await getJson(sim, `${SITE}/src/main/.gitattributes`)).body.error.message).toBe('No such file or directory: .gitattributes');
    const unknown = await getJson(sim, `${SITE}/src/${'0'.repeat(40)}/README.md`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Commit not found');
    expect((await getJson(sim, '/repositories/dana-demo/no-such-repo/src/main/README.md')).status).toBe(404);
  });

  it('answers 400 to a max_depth that is not a whole number from 1', async () => {
    const sim = shared();
    for (const depth of ['0', '-1', 'two', '1.5']) {
      const { status, body } = await getJson(sim, `${SITE}/src/main/?max_depth=${depth}`);
      expect(status, depth).toBe(400);
      expect(body.error.message).toBe('Invalid max_depth');
    }
  });

  it('with format=meta, answers the entry itself, for a file and for a directory', async () => {
    const sim = shared();
    const head = await mainHead(sim);
    const file = await getJson(sim, `${SITE}/src/main/${HELLO}?format=meta`);
    expect(file.body).toMatchObject({ type: 'commit_file', path: HELLO, commit: { hash: head }, attributes: [] });
    const folder = await getJson(sim, `${SITE}/src/main/content/posts?format=meta`);
    expect(folder.body).toMatchObject({
      type: 'commit_directory',
      path: 'content/posts',
      links: { self: { href: expect.stringMatching(/\/$/) } },
    });
  });

  it('serves a generated repository too: a README at each branch; an empty repository has no commit', async () => {
    const sim = shared();
    const [repo, empty] = [
      sim.data.workspaces[1]?.repositories.find((r) => r.mainbranch !== null),
      sim.data.workspaces.flatMap((w) => w.repositories).find((r) => r.mainbranch === null),
    ];
    const readme = await getText(sim, `/repositories/${repo?.full_name}/src/${repo?.mainbranch?.name}/README.md`);
    expect(readme.status).toBe(200);
    expect(readme.text).toBe(`# ${repo?.name}\n\n${repo?.description}\n`);
    expect((await getJson(sim, `/repositories/${empty?.full_name}/src/main/`)).body.error.message).toBe('Commit not found');
  });
});

describe('GET …/commits', () => {
  const shared = sharedSimulator();
  const messages = async (sim: Simulator, query: string) =>
    (await getJson(sim, `${SITE}/commits?${query}&fields=values.message`)).body.values.map((c: Json) => c.message.trim());

  it('lists every branch’s commits without include, newest first; include and exclude pick refs as git log does', async () => {
    const sim = shared();
    expect(await messages(sim, '')).toEqual([
      'Add a post about front matter',
      'Fix a typo in the first post',
      'Try a rounder logo',
      'Add a post on following next',
      'Add a post on signing in through a relay',
      'Start the site: a README, the logo and a first post',
    ]);
    expect(await messages(sim, 'include=main')).not.toContain('Try a rounder logo');
    expect(await messages(sim, 'include=redesign')).toEqual([
      'Try a rounder logo',
      'Add a post on following next',
      'Add a post on signing in through a relay',
      'Start the site: a README, the logo and a first post',
    ]);
    expect(await messages(sim, 'include=redesign&exclude=main')).toEqual(['Try a rounder logo']);
    expect(await messages(sim, 'include=main&include=redesign')).toEqual(await messages(sim, ''));
  });

  it('limits to a directory’s commits with path=dir (with or without a trailing slash)', async () => {
    const sim = shared();
    const images = [
      'Try a rounder logo',
      'Add a post on signing in through a relay',
      'Start the site: a README, the logo and a first post',
    ];
    expect(await messages(sim, 'path=static/images')).toEqual(images);
    expect(await messages(sim, 'path=static/images/')).toEqual(images);
    expect(await messages(sim, 'path=static/images&include=main')).toEqual(images.slice(1));
  });

  it('lets include name a commit by its hash, and answers 404 for a revision that names nothing', async () => {
    const sim = shared();
    const head = await mainHead(sim);
    expect(await messages(sim, `include=${head}`)).toEqual(await messages(sim, 'include=main'));
    const unknown = await getJson(sim, `${SITE}/commits?include=no-such-branch`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Commit not found');
  });

  it('pages 30 commits by default and follows next to the end (a generated repository with hundreds of branches)', async () => {
    const sim = shared();
    const repo = sim.data.workspaces.flatMap((w) => w.repositories).find((r) => historyOf(sim.data, r).commits.length > 100);
    if (repo === undefined) throw new Error('no repository with more than 100 commits');
    const { values, pages } = await allValues(sim, `/repositories/${repo.full_name}/commits`);
    expect(pages[0].pagelen).toBe(30);
    expect(pages.slice(0, -1).every((page) => page.values.length === 30)).toBe(true);
    expect(values).toHaveLength(pages[0].size);
    expect(new Set(values.map((commit) => commit.hash)).size).toBe(values.length);
    expect((await getJson(sim, `/repositories/${repo.full_name}/commits?pagelen=100`)).body.values).toHaveLength(100);
  });

  it('is empty for a repository without commits', async () => {
    const sim = shared();
    const empty = sim.data.workspaces.flatMap((w) => w.repositories).find((r) => r.mainbranch === null);
    expect((await getJson(sim, `/repositories/${empty?.full_name}/commits?fields=size,values`)).body).toEqual({ size: 0, values: [] });
  });
});

describe('GET …/refs/branches/{name}', () => {
  const shared = sharedSimulator();

  it('answers each branch as the list has it, slashes in names sent as they are or as %2F', async () => {
    const sim = shared();
    const repo = sim.data.workspaces
      .flatMap((w) => w.repositories)
      .find((r) => historyOf(sim.data, r).branches.some((b) => b.name.includes('/')));
    if (repo === undefined) throw new Error('no repository with a branch name holding a slash');
    const { values } = await allValues(sim, `/repositories/${repo.full_name}/refs/branches?pagelen=100`);
    const slashed = values.find((branch) => branch.name.includes('/'));
    for (const name of [slashed.name, encodeURIComponent(slashed.name)]) {
      const one = await getJson(sim, `/repositories/${repo.full_name}/refs/branches/${name}`);
      expect(one.status, name).toBe(200);
      expect(one.body).toEqual(slashed);
    }
    expect(values[0].name).toBe(repo.mainbranch?.name);
  });

  it('lists dana-demo/site’s two branches, each target the head of its history', async () => {
    const sim = shared();
    const { body } = await getJson(sim, `${SITE}/refs/branches?fields=values.name,values.target.hash`);
    const heads = await Promise.all(
      ['main', 'redesign'].map(
        async (branch) => (await getJson(sim, `${SITE}/commits?include=${branch}&fields=values.hash`)).body.values[0].hash,
      ),
    );
    expect(body.values).toEqual([
      { name: 'main', target: { hash: heads[0] } },
      { name: 'redesign', target: { hash: heads[1] } },
    ]);
  });

  it('answers 404 for a branch the repository does not have', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, `${SITE}/refs/branches/master`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ type: 'error', error: { message: 'Branch not found' } });
  });
});

describe('the content endpoints refuse and fail as every endpoint does', () => {
  const PATHS = [
    `${SITE}/refs/branches/main`,
    `${SITE}/refs/branches`,
    `${SITE}/src/main/${HELLO}`,
    `${SITE}/src/main/content/posts`,
    `${SITE}/commits?path=${HELLO}`,
  ];

  it.each(MODES)('401 without credentials or with an expired token, 403 without the repository scope (%s)', async (_, mode) => {
    const clock = manualClock();
    const sim = await start({
      ...mode,
      now: clock.now,
      apiTokens: [{ email: 'me@example.org', token: 't', scopes: ['read:user:bitbucket'] }],
    });
    const expired = sim.issueToken({ lifetimeSeconds: 1 });
    clock.advance(1000);
    for (const path of PATHS) {
      const anonymous = await getJson(sim, path, {});
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('access-control-allow-origin')).toBe('*');
      expect((await getJson(sim, path, bearer(expired))).body.error.message, path).toMatch(/^Access token expired/);
      const accountOnly = await getJson(sim, path, bearer(sim.issueToken({ scopes: 'account' })));
      expect(accountOnly.status, path).toBe(403);
      expect(accountOnly.body.error.detail).toEqual({ granted: ['account'], required: ['repository'] });
      const apiToken = await getJson(sim, path, { Authorization: basic('me@example.org', 't') });
      expect(apiToken.status, path).toBe(403);
      expect(apiToken.body.error.detail.required).toEqual(['read:repository:bitbucket']);
    }
  });

  it('answers a fault rule in their place, and 405 to another method', async () => {
    const sim = await start();
    sim.configure({ faults: [{ path: '/src/', kind: 'status', status: 503, times: 1 }] });
    expect((await getText(sim, `${SITE}/src/main/${HELLO}`)).status).toBe(503);
    expect((await getText(sim, `${SITE}/src/main/${HELLO}`)).status).toBe(200);
    const posted = await fetch(`${sim.apiBase}${SITE}/commits`, { method: 'POST', headers: bearer(sim.issueToken()) });
    expect(posted.status).toBe(405);
  });
});
