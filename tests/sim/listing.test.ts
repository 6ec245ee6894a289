// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { applyFields } from '../../sim/fields.ts';
import type { Simulator } from '../../sim/index.ts';
import { parseQuery } from '../../sim/query.ts';
import { bearer, getJson, sharedSimulator, start } from './helpers.ts';
import type { Json } from './helpers.ts';

const shared = sharedSimulator();

// Follows `next` to the end and returns every page.
async function allPages(sim: Simulator, firstUrl: string): Promise<Json[]> {
  const headers = bearer(sim.issueToken());
  const pages: Json[] = [];
  for (let url: string | undefined = firstUrl; url !== undefined;) {
    const { status, body } = await getJson(sim, url, headers);
    expect(status).toBe(200);
    pages.push(body);
    url = body.next;
    if (pages.length > 100) throw new Error('next never ends');
  }
  return pages;
}

describe('pagination', () => {
  it('defaults to 10 per page with size, page and an absolute next, and no previous on page 1', async () => {
    const sim = shared();
    const { body } = await getJson(sim, '/repositories/acme-platform');
    expect(body.pagelen).toBe(10);
    expect(body.size).toBe(288);
    expect(body.page).toBe(1);
    expect(body.values).toHaveLength(10);
    expect(body.next).toBe(`${sim.apiBase}/repositories/acme-platform?page=2`);
    expect(body).not.toHaveProperty('previous');
  });

  it.each([
    ['500', 100],
    ['100', 100],
    ['3', 10],
    ['0', 10],
    ['-5', 10],
    ['25', 25],
  ])('clamps pagelen=%s to %i', async (pagelen, expected) => {
    const sim = shared();
    const { body } = await getJson(sim, `/repositories/acme-platform?pagelen=${pagelen}`);
    expect(body.pagelen).toBe(expected);
    expect(body.values).toHaveLength(expected);
  });

  it('answers 400 to a pagelen or page that is not a number', async () => {
    const sim = shared();
    for (const query of ['pagelen=ten', 'page=abc', 'page=0', 'page=-1']) {
      const { status, body } = await getJson(sim, `/repositories/acme-platform?${query}`);
      expect(status).toBe(400);
      expect(body.type).toBe('error');
    }
  });

  it('keeps fields, pagelen, sort and q in next and previous', async () => {
    const sim = shared();
    const query = new URLSearchParams({
      pagelen: '20',
      sort: '-updated_on',
      q: 'is_private = true',
      fields: '+values.owner,next,previous,size',
    });
    const { body } = await getJson(sim, `/repositories/acme-platform?${query}&page=2`);
    for (const link of [body.next, body.previous]) {
      const url = new URL(link);
      expect(url.origin + url.pathname).toBe(`${sim.apiBase}/repositories/acme-platform`);
      for (const name of ['pagelen', 'sort', 'q', 'fields']) expect(url.searchParams.get(name)).toBe(query.get(name));
    }
    expect(new URL(body.next).searchParams.get('page')).toBe('3');
    expect(new URL(body.previous).searchParams.get('page')).toBe('1');
  });

  it('walks every item exactly once by following next; the last page has no next', async () => {
    const sim = shared();
    const pages = await allPages(sim, `${sim.apiBase}/repositories/acme-platform?pagelen=50`);
    expect(pages).toHaveLength(6);
    expect(pages.at(-1).values).toHaveLength(38);
    expect(pages.at(-1)).not.toHaveProperty('next');
    const slugs = pages.flatMap((page) => page.values.map((repo: Json) => repo.slug));
    expect(new Set(slugs).size).toBe(288);
  });

  it('answers an empty page past the end, and an empty workspace with size 0', async () => {
    const sim = shared();
    const past = await getJson(sim, '/repositories/tiny-studio?page=3');
    expect(past.status).toBe(200);
    expect(past.body.values).toEqual([]);
    expect(past.body).not.toHaveProperty('next');
    const empty = await getJson(sim, '/repositories/empty-workspace');
    expect(empty.body).toMatchObject({ size: 0, page: 1, values: [] });
    expect(empty.body).not.toHaveProperty('next');
  });

  it('paginates /user/workspaces too', async () => {
    const sim = await start({ workspaces: Array.from({ length: 12 }, (_, i) => ({ slug: `ws-${i}`, name: `WS ${i}`, repositories: 0 })) });
    const { body } = await getJson(sim, '/user/workspaces');
    expect(body.values).toHaveLength(10);
    expect(body.next).toBe(`${sim.apiBase}/user/workspaces?page=2`);
  });

  it('with omitSize, leaves out size, page and previous but keeps next', async () => {
    const sim = await start({ omitSize: true });
    const { body } = await getJson(sim, '/repositories/acme-platform?page=2');
    expect(Object.keys(body).sort()).toEqual(['next', 'pagelen', 'values']);
    expect(new URL(body.next).searchParams.get('page')).toBe('3');
  });

  describe("with pagination: 'cursor'", () => {
    it('puts an opaque cursor in next, with no page number, and keeps the other parameters', async () => {
      const sim = await start({ pagination: 'cursor' });
      const { body } = await getJson(sim, '/repositories/acme-platform?pagelen=30&sort=name');
      const next = new URL(body.next);
      expect(next.searchParams.get('cursor')).toMatch(/^[\w-]+$/);
      expect(next.searchParams.has('page')).toBe(false);
      expect(next.searchParams.get('pagelen')).toBe('30');
      expect(next.searchParams.get('sort')).toBe('name');
      expect(body).not.toHaveProperty('page');
      expect(body).not.toHaveProperty('previous');
    });

    it('walks every item by following next', async () => {
      const sim = await start({ pagination: 'cursor' });
      const pages = await allPages(sim, `${sim.apiBase}/repositories/acme-platform?pagelen=100`);
      expect(pages).toHaveLength(3);
      expect(new Set(pages.flatMap((page) => page.values.map((repo: Json) => repo.slug))).size).toBe(288);
    });

    it('ignores page=: a client building page URLs gets the first page again', async () => {
      const sim = await start({ pagination: 'cursor' });
      const first = await getJson(sim, '/repositories/acme-platform');
      const second = await getJson(sim, '/repositories/acme-platform?page=2');
      expect(second.body.values).toEqual(first.body.values);
    });

    it('answers 400 to a cursor it did not make', async () => {
      const sim = await start({ pagination: 'cursor' });
      const { status } = await getJson(sim, '/repositories/acme-platform?cursor=made-up');
      expect(status).toBe(400);
    });
  });
});

const samplePage = {
  pagelen: 10,
  size: 2,
  page: 1,
  next: 'https://example/next',
  values: [
    {
      name: 'a',
      slug: 'a',
      links: { html: { href: 'h1' }, self: { href: 's1' }, clone: [{ name: 'https', href: 'c1' }] },
      owner: { display_name: 'X' },
    },
    {
      name: 'b',
      slug: 'b',
      links: { html: { href: 'h2' }, self: { href: 's2' }, clone: [{ name: 'ssh', href: 'c2' }] },
      owner: { display_name: 'Y' },
    },
  ],
};

describe('applyFields', () => {
  it('keeps only the listed paths, envelope included', () => {
    expect(applyFields(samplePage, 'next,size,values.name')).toEqual({
      size: 2,
      next: 'https://example/next',
      values: [{ name: 'a' }, { name: 'b' }],
    });
  });

  it('goes into nested objects and through arrays', () => {
    expect(applyFields(samplePage, 'values.links.html.href,values.links.clone.href')).toEqual({
      values: [{ links: { html: { href: 'h1' }, clone: [{ href: 'c1' }] } }, { links: { html: { href: 'h2' }, clone: [{ href: 'c2' }] } }],
    });
  });

  it('removes a -path from the default (everything)', () => {
    const result = applyFields(samplePage, '-values.links,-pagelen') as Json;
    expect(result.values[0]).toEqual({ name: 'a', slug: 'a', owner: { display_name: 'X' } });
    expect(result).not.toHaveProperty('pagelen');
    expect(result.size).toBe(2);
  });

  it('treats +path as an addition to the default, which already has everything', () => {
    expect(applyFields(samplePage, '+values.owner')).toEqual(samplePage);
    expect(applyFields(samplePage, '+values.owner,-values.links,-values.slug,-values.name')).toEqual({
      ...samplePage,
      values: [{ owner: { display_name: 'X' } }, { owner: { display_name: 'Y' } }],
    });
  });

  it('adds +paths to a plain list', () => {
    expect(applyFields(samplePage, 'values.name,+values.slug')).toEqual({
      values: [
        { name: 'a', slug: 'a' },
        { name: 'b', slug: 'b' },
      ],
    });
  });

  it('matches Json key at one level with *', () => {
    expect(applyFields(samplePage, 'values.links.*.href')).toEqual({
      values: [
        { links: { html: { href: 'h1' }, self: { href: 's1' }, clone: [{ href: 'c1' }] } },
        { links: { html: { href: 'h2' }, self: { href: 's2' }, clone: [{ href: 'c2' }] } },
      ],
    });
    expect(applyFields({ a: 1, b: { c: 2 } }, '*')).toEqual({ a: 1, b: { c: 2 } });
    expect(applyFields(samplePage, '-values.*')).toEqual({ ...samplePage, values: [{}, {}] });
  });

  it('reads an unencoded + (a space after decoding) as a plain path, like Bitbucket', () => {
    expect(applyFields(samplePage, ' values.name')).toEqual({ values: [{ name: 'a' }, { name: 'b' }] });
  });

  it('leaves its input untouched', () => {
    const before = JSON.stringify(samplePage);
    applyFields(samplePage, '-values.links,-next');
    expect(JSON.stringify(samplePage)).toBe(before);
  });
});

describe('fields over HTTP', () => {
  it('shapes a page: fields=next,size,values.name,values.links.html.href', async () => {
    const sim = shared();
    const { body } = await getJson(sim, '/repositories/acme-platform?fields=next,size,values.name,values.links.html.href');
    expect(Object.keys(body).sort()).toEqual(['next', 'size', 'values']);
    expect(Object.keys(body.values[0]).sort()).toEqual(['links', 'name']);
    expect(body.values[0].links).toEqual({ html: { href: expect.stringMatching(/^https:\/\/bitbucket\.org\//) } });
  });

  it('understands %2B as + (an addition), while a raw + becomes a plain path', async () => {
    const sim = shared();
    const encoded = await getJson(sim, '/repositories/tiny-studio?fields=%2Bvalues.owner,-values.links');
    expect(encoded.body.size).toBe(5);
    expect(encoded.body.values[0]).toHaveProperty('owner');
    expect(encoded.body.values[0]).toHaveProperty('name');
    expect(encoded.body.values[0]).not.toHaveProperty('links');

    const raw = await getJson(sim, '/repositories/tiny-studio?fields=+values.owner');
    expect(Object.keys(raw.body)).toEqual(['values']);
    expect(Object.keys(raw.body.values[0])).toEqual(['owner']);
  });

  it('shapes a single object: /user?fields=display_name,links.avatar.href', async () => {
    const sim = shared();
    const { body } = await getJson(sim, '/user?fields=display_name,links.avatar.href');
    expect(body).toEqual({ display_name: 'Dana Demo', links: { avatar: { href: sim.data.user.links.avatar.href } } });
  });
});

describe('sort', () => {
  it('sorts by name, ascending, before paginating', async () => {
    const sim = shared();
    const { body } = await getJson(sim, '/repositories/acme-platform?sort=name&pagelen=100&fields=values.name');
    const names = body.values.map((repo: Json) => repo.name);
    const expected = sim.data.workspaces[1]?.repositories
      .map((repo) => repo.name)
      .sort()
      .slice(0, 100);
    expect(names).toEqual(expected);
  });

  it('sorts by -updated_on, descending, across pages', async () => {
    const sim = shared();
    const first = await getJson(sim, '/repositories/acme-platform?sort=-updated_on');
    const second = await getJson(sim, first.body.next);
    const dates = [...first.body.values, ...second.body.values].map((repo: Json) => repo.updated_on);
    expect(dates).toEqual([...dates].sort().reverse());
    const newest = [...(sim.data.workspaces[1]?.repositories ?? [])]
      .map((repo) => repo.updated_on)
      .sort()
      .at(-1);
    expect(dates[0]).toBe(newest);
  });

  it('answers 400 to a field the objects do not have', async () => {
    const sim = shared();
    expect((await getJson(sim, '/repositories/acme-platform?sort=nonexistent')).status).toBe(400);
  });
});

describe('q (a BBQL subset)', () => {
  it('filters with name ~ "…", case-insensitively, and size counts the matches', async () => {
    const sim = shared();
    const q = encodeURIComponent('name ~ "API"');
    const { body } = await getJson(sim, `/repositories/acme-platform?q=${q}&pagelen=100`);
    const expected = sim.data.workspaces[1]?.repositories.filter((repo) => repo.name.toLowerCase().includes('api')) ?? [];
    expect(expected.length).toBeGreaterThan(0);
    expect(body.size).toBe(expected.length);
    expect(body.values.map((repo: Json) => repo.slug)).toEqual(expected.map((repo) => repo.slug));
  });

  it('combines conditions with AND, OR and parentheses', async () => {
    const sim = shared();
    const q = encodeURIComponent('is_private = false AND (language = "go" OR language = "python")');
    const { body } = await getJson(sim, `/repositories/acme-platform?q=${q}&pagelen=100`);
    expect(body.values.length).toBeGreaterThan(0);
    for (const repo of body.values) {
      expect(repo.is_private).toBe(false);
      expect(['go', 'python']).toContain(repo.language);
    }
  });

  it('answers 400 to a query it cannot parse', async () => {
    const sim = shared();
    const { status, body } = await getJson(sim, `/repositories/acme-platform?q=${encodeURIComponent('name ~')}`);
    expect(status).toBe(400);
    expect(body.error.message).toBe('Invalid query');
  });

  it('parses comparisons of numbers, strings, booleans and null', () => {
    const item = { size: 5, name: 'Alpha', mainbranch: null, is_private: true, project: { key: 'WEB' } };
    const check = (q: string) => {
      const parsed = parseQuery(q);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.matches(item);
    };
    expect(check('size > 4 AND size <= 5')).toBe(true);
    expect(check('size >= 6 OR name !~ "x"')).toBe(true);
    expect(check('mainbranch = null and is_private = true')).toBe(true);
    expect(check('project.key = "WEB"')).toBe(true);
    expect(check('project.key != "WEB"')).toBe(false);
    expect(check('name = "Al\\"pha"')).toBe(false);
    expect(parseQuery('(name ~ "a"').ok).toBe(false);
    expect(parseQuery('name ~ "a" extra').ok).toBe(false);
  });
});
