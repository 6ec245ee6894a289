// The response checks by example, where the properties in response-checks.property.test.ts do
// not reach: what the app asks Bitbucket for (`fields`), and what an error names.
import { describe, expect, it } from 'vitest';
import { parsePage, parseUser, parseWorkspaceAccess, repositoryParser, REPOSITORY_FIELDS, WORKSPACE_FIELDS } from '../../src/api-shapes.ts';
import { applyFields } from '../../sim/fields.ts';
import { failure, repo } from '../support/fake-fetch.ts';

const parseRepository = repositoryParser(['https:']);
const next = 'https://api.bitbucket.org/2.0/repositories/w?page=2';

describe('the fields the app asks for', () => {
  // Bitbucket shapes the whole answer by `fields`, the page envelope included (sim/fields.ts does
  // as it does): a field left out of the list is a field the app never sees.
  it('are every field the repository list reads: the shaped page reads as the whole one', () => {
    const whole = { size: 12, page: 1, pagelen: 10, next, values: [repo('w', 1), repo('w', 2)] };
    const shaped = applyFields(whole, REPOSITORY_FIELDS);
    expect(parsePage(shaped, '/repositories/w', parseRepository)).toEqual(parsePage(whole, '/repositories/w', parseRepository));
    // …and nothing more: the uuid, which the list does not show, is not asked for.
    expect(JSON.stringify(shaped)).not.toContain('uuid');
  });

  it('are every field the workspace list reads, and nothing more', () => {
    const access = (slug: string) => ({
      type: 'workspace_access',
      administrator: false,
      workspace: { type: 'workspace_base', slug, uuid: `{${slug}}` },
    });
    const whole = { pagelen: 10, next, values: [access('a'), access('b')] };
    const shaped = applyFields(whole, WORKSPACE_FIELDS);
    expect(parsePage(shaped, '/user/workspaces', parseWorkspaceAccess)).toEqual({ next, values: [{ slug: 'a' }, { slug: 'b' }] });
    expect(shaped).toEqual({ next, values: [{ workspace: { slug: 'a' } }, { workspace: { slug: 'b' } }] });
  });
});

describe('what a refusal names', () => {
  it('GET /user’s check names /user unless told another path', async () => {
    expect((await failure(Promise.resolve().then(() => parseUser({ nickname: 'ada' })))).path).toBe('/user');
    expect((await failure(Promise.resolve().then(() => parseUser(null, '/2.0/user')))).path).toBe('/2.0/user');
  });
});

describe('a repository’s workspace', () => {
  const { workspace: _, ...withoutWorkspace } = repo('w', 1);

  it('is the one it names, whichever list it came in', () => {
    expect(parseRepository(repo('w', 1), '/repositories/other', 'other').workspace).toEqual({ slug: 'w', name: 'w team' });
  });

  it('without one, is the workspace whose list it came in, named by its slug', () => {
    expect(parseRepository(withoutWorkspace, '/repositories/w', 'w').workspace).toEqual({ slug: 'w', name: 'w' });
  });

  it('without one, and from no workspace’s list, is refused', async () => {
    const error = await failure(Promise.resolve().then(() => parseRepository(withoutWorkspace, '/repositories/w')));
    expect([error.code, error.path]).toEqual(['BAD_RESPONSE', '/repositories/w']);
  });

  it('is named by its slug when its name is empty or missing', () => {
    expect(parseRepository(repo('w', 1, { workspace: { slug: 'w', name: '' } }), '/x').workspace).toEqual({ slug: 'w', name: 'w' });
  });
});

describe('a repository’s links and description', () => {
  it.each([
    ['links', { links: [] }],
    ['links.html', { links: { html: [] } }],
    ['workspace', { workspace: [] }],
  ])('refuses a list where %s should be an object', (_name, overrides) => {
    expect(() => parseRepository({ ...repo('w', 1), ...overrides }, '/x')).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });

  it('shows no link when it sends none', () => {
    expect(parseRepository({ ...repo('w', 1), links: undefined }, '/x').html_href).toBeNull();
    expect(parseRepository({ ...repo('w', 1), links: {} }, '/x').html_href).toBeNull();
  });

  it('keeps the first 500 characters of a long description', () => {
    const description = `${'a'.repeat(500)}${'b'.repeat(4500)}`;
    expect(parseRepository(repo('w', 1, { description }), '/x').description).toBe('a'.repeat(500));
  });
});

describe('a workspace slug', () => {
  const access = (slug: string) => ({ type: 'workspace_access', workspace: { type: 'workspace_base', slug } });

  it.each(['.', '..'])('is refused when it is %j, which a URL resolves to another endpoint', async (slug) => {
    expect((await failure(Promise.resolve().then(() => parseWorkspaceAccess(access(slug), '/user/workspaces')))).code).toBe('BAD_RESPONSE');
  });

  // Only `.` and `..` move a URL path: a slug that merely starts with dots stays its own segment.
  it.each(['...', '.github', '..a', 'a..'])('is kept when it is %j', (slug) => {
    expect(parseWorkspaceAccess(access(slug), '/user/workspaces')).toEqual({ slug });
    expect(new URL(`repositories/${slug}`, 'https://api.bitbucket.org/2.0/').pathname).toBe(`/2.0/repositories/${slug}`);
  });
});
