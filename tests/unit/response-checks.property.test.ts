// @vitest-environment node
/**
 * Properties of the response checks: whatever JSON comes back, the app gets typed data or a
 * `BAD_RESPONSE` error, and a repository link it renders is never a script.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { safeLink } from '../../packages/bitbucket-browser-auth/src/checks.ts';
import { parsePage, parseUser, parseWorkspaceAccess, repositoryParser, type Repository } from '../../src/api-shapes.ts';
import { ApiError } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { anyText, unicodeText } from '../support/arbitraries.ts';

const RUNS = { numRuns: 10_000 };
/** 10,000 runs take about a second; on a busy machine, several. */
const SLOW = { timeout: 30_000 };

/** The link schemes the app allows: `https:`, plus `http:` when the API itself is on http (the simulator). */
const linkProtocols = fc.constantFrom<readonly string[]>(['https:'], ['https:', 'http:']);

/** `expect(actual).toStrictEqual(expected)`, comparing cheaply first: it runs 10,000 times a property. */
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

/** What a check did with a value: returned something, or threw. */
function outcome<T>(check: () => T): { returned: T } | { threw: unknown } {
  try {
    return { returned: check() };
  } catch (error) {
    return { threw: error };
  }
}

function expectBadResponse(thrown: unknown): void {
  if (!(thrown instanceof ApiError) || thrown.code !== 'BAD_RESPONSE') {
    expect.unreachable(`threw ${String(thrown)} instead of ApiError BAD_RESPONSE`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Bitbucket's shapes (bitbucket-facts §4, §5)
// ---------------------------------------------------------------------------------------------

const slug = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 20 });

/** ISO 8601 with an offset, as Bitbucket writes `updated_on` (often with microseconds). */
const isoDateWithOffset = fc
  .record({
    time: fc.integer({ min: Date.UTC(2008, 0, 1), max: Date.UTC(2031, 0, 1) }),
    offsetMinutes: fc.constantFrom(0, 60, -480, 330, 345, -210, 840, -720),
    digits: fc.constantFrom(0, 3, 6),
    zulu: fc.boolean(),
  })
  .map(({ time, offsetMinutes, digits, zulu }) => {
    const local = new Date(time + offsetMinutes * 60_000).toISOString();
    const fraction = digits === 0 ? '' : `.${`${local.slice(20, 23)}000`.slice(0, digits)}`;
    const sign = offsetMinutes < 0 ? '-' : '+';
    const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
    const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
    const zone = offsetMinutes === 0 && zulu ? 'Z' : `${sign}${hours}:${minutes}`;
    return `${local.slice(0, 19)}${fraction}${zone}`;
  });

const link = (href: string) => ({ href });

interface GeneratedRepository {
  json: Record<string, unknown>;
  expected: Repository;
}

/**
 * A repository as Bitbucket sends it: in full, or cut to the fields the list asks for; with any
 * Unicode text, empty or null description and language, and an empty, null or absent workspace name.
 */
const bitbucketRepository: fc.Arbitrary<GeneratedRepository> = fc
  .record({
    workspace: slug,
    repoSlug: slug,
    uuid: fc.uuid(),
    name: unicodeText({ minLength: 1, maxLength: 30 }),
    isPrivate: fc.boolean(),
    description: fc.oneof(unicodeText({ maxLength: 60 }), fc.constantFrom('', null, undefined)),
    language: fc.oneof(fc.constantFrom('', null, undefined, 'python', 'typescript', 'c++', 'c#'), unicodeText({ maxLength: 10 })),
    workspaceName: fc.oneof({ weight: 4, arbitrary: unicodeText({ minLength: 1 }) }, fc.constantFrom('', null, undefined)),
    createdOn: isoDateWithOffset,
    updatedOn: isoDateWithOffset,
    full: fc.boolean(),
  })
  .map((r) => {
    const fullName = `${r.workspace}/${r.repoSlug}`;
    const html = `https://bitbucket.org/${fullName}`;
    const workspace: Record<string, unknown> = { slug: r.workspace, name: r.workspaceName };
    const repo: Record<string, unknown> = {
      uuid: `{${r.uuid}}`,
      name: r.name,
      full_name: fullName,
      is_private: r.isPrivate,
      language: r.language,
      description: r.description,
      updated_on: r.updatedOn,
      links: { html: link(html) },
      workspace,
    };
    if (r.full) {
      const api = `https://api.bitbucket.org/2.0/repositories/${fullName}`;
      Object.assign(workspace, {
        type: 'workspace',
        uuid: `{${r.uuid}}`,
        links: { self: link(`https://api.bitbucket.org/2.0/workspaces/${r.workspace}`) },
      });
      Object.assign(repo, {
        type: 'repository',
        slug: r.repoSlug,
        created_on: r.createdOn,
        size: 12_345,
        scm: 'git',
        has_issues: false,
        has_wiki: true,
        fork_policy: 'no_public_forks',
        website: null,
        mainbranch: { type: 'branch', name: 'main' },
        links: {
          self: link(api),
          html: link(html),
          avatar: link(`https://bytebucket.org/ravatar/%7B${r.uuid}%7D?ts=default`),
          clone: [
            { href: `https://bitbucket.org/${fullName}.git`, name: 'https' },
            { href: `git@bitbucket.org:${fullName}.git`, name: 'ssh' },
          ],
          pullrequests: link(`${api}/pullrequests`),
          commits: link(`${api}/commits`),
        },
        project: { type: 'project', key: 'PROJ', name: 'Project', uuid: '{p}', links: {} },
        owner: { type: 'team', display_name: r.workspaceName ?? '', uuid: '{o}', nickname: r.workspace, account_id: null, links: {} },
      });
    }
    // What `response.json()` would give: `undefined` fields are simply not there.
    const json = JSON.parse(JSON.stringify(repo)) as Record<string, unknown>;
    const expected: Repository = {
      name: r.name,
      full_name: fullName,
      is_private: r.isPrivate,
      language: r.language ?? '',
      description: r.description ?? '',
      updated_on: r.updatedOn,
      html_href: html,
      workspace: { slug: r.workspace, name: r.workspaceName || r.workspace },
    };
    return { json, expected };
  });

// ---------------------------------------------------------------------------------------------
// Hostile links
// ---------------------------------------------------------------------------------------------

/** C0 controls and space: what a URL parser strips from both ends, so a browser ignores them too. */
const c0OrSpace = fc.string({ unit: fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c)), maxLength: 4 });

/** `javascript:`, `data:` or `vbscript:` in any case, padded, with tabs or newlines inside the scheme. */
const scriptLink = fc
  .record({
    scheme: fc.constantFrom('javascript', 'data', 'vbscript').chain((scheme) => fc.mixedCase(fc.constant(scheme))),
    breaks: fc.array(fc.tuple(fc.nat(), fc.constantFrom('\t', '\n', '\r')), { maxLength: 3 }),
    before: c0OrSpace,
    after: c0OrSpace,
    payload: fc.oneof(
      fc.constantFrom('alert(1)', '//bitbucket.org/%0aalert(1)', 'text/html;base64,PHNjcmlwdD4=', 'msgbox(1)', '//https://bitbucket.org'),
      anyText(20),
    ),
  })
  .map(({ scheme, breaks, before, after, payload }) => {
    const chars = [...scheme];
    for (const [at, whitespace] of breaks) chars.splice(at % (chars.length + 1), 0, whitespace);
    return `${before}${chars.join('')}:${payload}${after}`;
  });

/** Links with no scheme of their own: a browser would resolve them against the app's page. */
const relativeLink = fc.oneof(
  fc.constantFrom(
    '',
    '/',
    '.',
    '..',
    '?q=1',
    '#top',
    '//evil.example/x',
    '\\\\evil.example\\x',
    'bitbucket.org/ws/repo',
    'https//bitbucket.org',
    ':',
  ),
  fc
    .tuple(fc.constantFrom('/', './', '../', '//', '?', '#', ''), fc.string({ unit: fc.constantFrom(...'abc/._-?#%:'), maxLength: 20 }))
    .map(([start, rest]) => `${start}${rest.replace(/^[a-z][a-z0-9+.-]*:/i, '')}`),
);

/** The allowed protocols and nothing else, literally, at the start of the string a view puts in `href`. */
function startsWithAllowedScheme(href: string, protocols: readonly string[]): boolean {
  return protocols.some((protocol) => href.startsWith(protocol));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('the response checks, for any JSON', SLOW, () => {
  /** A valid repository with one field replaced by anything, or removed. */
  const FIELDS = [
    ['name'],
    ['full_name'],
    ['is_private'],
    ['updated_on'],
    ['uuid'],
    ['description'],
    ['language'],
    ['links'],
    ['links', 'html'],
    ['links', 'html', 'href'],
    ['workspace'],
    ['workspace', 'slug'],
    ['workspace', 'name'],
  ];
  const damagedRepository = fc
    .tuple(bitbucketRepository, fc.constantFrom(...FIELDS), fc.option(fc.anything(), { freq: 5, nil: undefined }))
    .map(([{ json }, path, value]) => {
      const copy = structuredClone(json);
      let parent: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) parent = isRecord(parent[key]) ? (parent[key] as Record<string, unknown>) : (parent[key] = {});
      if (value === undefined) delete parent[path.at(-1)!];
      else parent[path.at(-1)!] = value;
      return copy;
    });
  const damagedPage = fc.record(
    { values: fc.oneof(fc.array(damagedRepository, { maxLength: 2 }), fc.anything()), next: fc.anything(), size: fc.anything() },
    { requiredKeys: ['values'] },
  );
  const damagedWorkspace = fc
    .oneof(fc.constantFrom('ws', 'my-team_1', '.', '..', 'a/b', '%2e%2e', '', ' ws', 'ws\n', 'é'), anyText(10), fc.anything())
    .map((workspaceSlug) => ({
      type: 'workspace_access',
      administrator: false,
      workspace: { type: 'workspace_base', slug: workspaceSlug },
    }));

  const anyResponse = fc.oneof(fc.jsonValue(), fc.anything(), damagedRepository, damagedPage, damagedWorkspace);

  it('returns typed data taken from the input, or throws ApiError BAD_RESPONSE, and nothing else', () => {
    fc.assert(
      fc.property(anyResponse, linkProtocols, (json, protocols) => {
        const parseRepository = repositoryParser(protocols);

        const user = outcome(() => parseUser(json));
        if ('threw' in user) expectBadResponse(user.threw);
        else expectSame(user.returned, { display_name: (json as { display_name: string }).display_name });

        const workspace = outcome(() => parseWorkspaceAccess(json, '/user/workspaces'));
        if ('threw' in workspace) expectBadResponse(workspace.threw);
        else expectWorkspace(workspace.returned, json);

        const repository = outcome(() => parseRepository(json, '/repositories/ws'));
        if ('threw' in repository) expectBadResponse(repository.threw);
        else expectRepository(repository.returned, json, protocols);

        const page = outcome(() => parsePage(json, '/repositories/ws', parseRepository));
        if ('threw' in page) expectBadResponse(page.threw);
        else expectPage(page.returned, json, (value, input) => expectRepository(value, input, protocols));
      }),
      RUNS,
    );
  });

  /** A workspace slug is only letters, digits, `_`, `.`, `-`, exactly as sent: it goes into a URL path. */
  function expectWorkspace(workspace: unknown, input: unknown): void {
    const slug = isRecord(input) && isRecord(input.workspace) ? input.workspace.slug : undefined;
    expectSame(workspace, { slug });
    if (typeof slug !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(slug)) expect.unreachable(`accepted the slug ${JSON.stringify(slug)}`);
  }

  function expectRepository(repository: unknown, input: unknown, protocols: readonly string[]): void {
    if (!isRecord(input) || !isRecord(input.workspace)) expect.unreachable(`accepted ${JSON.stringify(input)}`);
    const { workspace } = input;
    const href = isRecord(repository) ? repository.html_href : undefined;
    expectSame(repository, {
      name: input.name,
      full_name: input.full_name,
      is_private: input.is_private,
      language: input.language ?? '',
      description: input.description ?? '',
      updated_on: input.updated_on,
      html_href: href,
      workspace: { slug: workspace.slug, name: workspace.name || workspace.slug },
    });
    // Every field has the type the views rely on.
    const r = repository as Repository;
    const strings = [r.name, r.full_name, r.language, r.description, r.updated_on, r.workspace.slug, r.workspace.name];
    if (!strings.every((value) => typeof value === 'string') || typeof r.is_private !== 'boolean')
      expect.unreachable(`badly typed ${JSON.stringify(r)}`);
    if (Number.isNaN(Date.parse(r.updated_on))) expect.unreachable(`accepted the date ${JSON.stringify(r.updated_on)}`);
    // A link shown is the one sent (as a URL parser writes it), with an allowed scheme.
    const sent = isRecord(input.links) && isRecord(input.links.html) ? input.links.html.href : undefined;
    if (
      href !== null &&
      (typeof href !== 'string' ||
        !startsWithAllowedScheme(href, protocols) ||
        typeof sent !== 'string' ||
        !URL.canParse(sent) ||
        new URL(sent).href !== href)
    ) {
      expect.unreachable(`kept the link ${JSON.stringify(sent)} as ${JSON.stringify(href)}`);
    }
  }

  function expectPage(page: unknown, input: unknown, expectValue: (value: unknown, input: unknown) => void): void {
    if (!isRecord(input) || !Array.isArray(input.values) || !isRecord(page) || !Array.isArray(page.values)) {
      expect.unreachable(`accepted the page ${JSON.stringify(input)}`);
    }
    expect(page.values).toHaveLength(input.values.length);
    const values: unknown[] = input.values;
    page.values.forEach((value, i) => expectValue(value, values[i]));
    for (const key of ['size', 'page', 'pagelen'] as const) {
      if (!(key in page)) continue;
      if (page[key] !== input[key] || !Number.isInteger(page[key]) || (page[key] as number) < 0)
        expect.unreachable(`accepted ${key} ${String(input[key])}`);
    }
    if ('next' in page && (typeof page.next !== 'string' || page.next !== input.next))
      expect.unreachable(`accepted next ${String(input.next)}`);
  }
});

describe('parseWorkspaceAccess', SLOW, () => {
  // Bitbucket's slugs are lowercase letters, digits, `-` and `_`. One that is `.` or `..` would make the
  // app's next request `GET /2.0/repositories/` or `GET /2.0/` instead of that workspace's repositories.
  it('accepts only a slug that stays one path segment in /repositories/{slug}', () => {
    const slugLike = fc.oneof(
      fc.constantFrom('ws', 'my-team_1', 'v1.2', '.', '..', '...', 'a/b', '%2e%2e', '', ' ws', 'ws\n', 'é', '?', '#'),
      fc.string({ unit: fc.constantFrom(...'ab.-_/%?#'), maxLength: 4 }),
      anyText(6),
    );
    const api = new URL('https://api.bitbucket.org/2.0/');
    fc.assert(
      fc.property(slugLike, (slug) => {
        const workspace = outcome(() =>
          parseWorkspaceAccess({ type: 'workspace_access', workspace: { type: 'workspace_base', slug } }, '/user/workspaces'),
        );
        if ('threw' in workspace) return expectBadResponse(workspace.threw);
        // As src/repositories.ts builds the request for the workspace's repositories.
        const url = new URL(`repositories/${encodeURIComponent(workspace.returned.slug)}?pagelen=100`, api);
        expect(url.pathname).toBe(`/2.0/repositories/${slug}`);
      }),
      RUNS,
    );
  });
});

describe('repositoryParser, for a repository as Bitbucket sends it', SLOW, () => {
  it('keeps name, full_name, description, language, privacy, date, link and workspace', () => {
    fc.assert(
      fc.property(bitbucketRepository, linkProtocols, ({ json, expected }, protocols) => {
        expectSame(repositoryParser(protocols)(json, '/repositories/ws'), expected);
      }),
      RUNS,
    );
  });

  it('keeps every repository of a page, and the page counts', () => {
    fc.assert(
      fc.property(
        fc.array(bitbucketRepository, { maxLength: 5 }),
        fc.record(
          { size: fc.nat(), page: fc.integer({ min: 1, max: 1000 }), pagelen: fc.integer({ min: 10, max: 100 }) },
          { requiredKeys: [] },
        ),
        fc.option(fc.webUrl(), { nil: undefined }),
        (repositories, counts, next) => {
          const json = JSON.parse(JSON.stringify({ ...counts, next, values: repositories.map((r) => r.json) })) as unknown;
          const expected = { values: repositories.map((r) => r.expected), ...counts, ...(next === undefined ? {} : { next }) };
          expectSame(parsePage(json, '/repositories/ws', repositoryParser(['https:'])), expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('parsePage refuses', SLOW, () => {
  const notAnArray = fc.oneof(
    fc.constantFrom(undefined, null, {}, { 0: {}, length: 1 }, '[]', '', 0, true),
    fc.anything({ maxDepth: 1 }).filter((value) => !Array.isArray(value)),
  );
  const notACount = fc.oneof(
    fc.integer({ min: -1e12, max: -1 }),
    fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)),
    fc.constantFrom(NaN, Infinity, -Infinity, -0.5, 0.5, 1e21, 2 ** 53, '5', '', true, [], {}, [3]),
    fc.string(),
  );

  it('`values` that is not an array', () => {
    fc.assert(
      fc.property(notAnArray, fc.option(fc.nat(), { nil: undefined }), (values, size) => {
        const page = outcome(() => parsePage({ values, size, next: 'https://api.bitbucket.org/2.0/x?page=2' }, '/x', (value) => value));
        if ('returned' in page) expect.unreachable(`accepted values ${JSON.stringify(values)}`);
        else expectBadResponse(page.threw);
      }),
      RUNS,
    );
  });

  it('a `size`, `page` or `pagelen` that is not a whole number ≥ 0', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('size', 'page', 'pagelen'),
        notACount,
        fc.array(fc.jsonValue(), { maxLength: 3 }),
        (key, count, values) => {
          const page = outcome(() => parsePage({ values, [key]: count }, '/x', (value) => value));
          if ('returned' in page) expect.unreachable(`accepted ${key} ${String(count)}`);
          else expectBadResponse(page.threw);
        },
      ),
      RUNS,
    );
  });
});

describe('safeLink', SLOW, () => {
  it('never keeps a javascript:, data: or vbscript: link, however written, nor a relative one', () => {
    const repository = {
      name: 'r',
      full_name: 'ws/r',
      is_private: false,
      updated_on: '2026-04-01T12:00:00.000000+00:00',
      workspace: { slug: 'ws' },
    };
    fc.assert(
      fc.property(fc.oneof(scriptLink, relativeLink), linkProtocols, (href, protocols) => {
        expect(safeLink(href, protocols)).toBeNull();
        // …and through the repository check: the repository still shows, without the link.
        expectSame(repositoryParser(protocols)({ ...repository, links: { html: { href } } }, '/repositories/ws').html_href, null);
      }),
      RUNS,
    );
  });

  it('keeps a link only when it is an absolute URL with an allowed scheme, and then written as a browser reads it', () => {
    const anyLink = fc.oneof(
      fc.webUrl({ validSchemes: ['https', 'http', 'ftp', 'javascript', 'data'], withQueryParameters: true, withFragments: true }),
      scriptLink,
      relativeLink,
      anyText(30),
      fc.tuple(c0OrSpace, fc.mixedCase(fc.constantFrom('https:', 'http:')), anyText(20)).map((parts) => parts.join('')),
      fc.anything(),
    );
    fc.assert(
      fc.property(anyLink, linkProtocols, (href, protocols) => {
        const kept = safeLink(href, protocols);
        if (kept === null) return;
        if (typeof href !== 'string' || !URL.canParse(href) || !protocols.includes(new URL(href).protocol))
          expect.unreachable(`kept ${JSON.stringify(href)}`);
        // What is rendered starts with the scheme itself, and a browser reads it back unchanged.
        if (!startsWithAllowedScheme(kept, protocols) || new URL(kept).href !== kept)
          expect.unreachable(`kept ${JSON.stringify(href)} as ${JSON.stringify(kept)}`);
      }),
      RUNS,
    );
  });

  it('keeps every https link (so real repository links still show)', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true }),
        linkProtocols,
        (href, protocols) => {
          expect(safeLink(href, protocols)).toBe(new URL(href).href);
        },
      ),
      RUNS,
    );
  });
});
