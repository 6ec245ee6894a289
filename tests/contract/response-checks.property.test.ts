// @vitest-environment node
/**
 * The app's response checks (src/api-shapes.ts) against objects generated from Atlassian's
 * schemas: every object valid under the schema that carries the fields the app uses is accepted,
 * with those fields read as they are; breaking one of those fields gets BAD_RESPONSE.
 *
 * The description makes almost nothing required, so "carries the fields the app uses" is laid
 * over the generated object. Where the app is stricter than the description on purpose, the
 * comment APP_IS_STRICTER below says so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePage, parseUser, parseWorkspaceAccess, repositoryParser } from '../../src/api-shapes.ts';
import { ApiError } from '../../packages/bitbucket-browser-auth/src/client.ts';
import { propertyOf, validObject } from './schema-arbitrary.ts';
import { validatorFor } from './openapi.ts';

const RUNS = { numRuns: 300 };
const SLOW = { timeout: 60_000 };

// APP_IS_STRICTER, the one place the app refuses what the description allows, on purpose: a
// workspace slug must be one URL path segment of Bitbucket's slug characters, and not `.` or `..`,
// because the app puts it into `/repositories/{workspace}`, where a slash or a dot segment would
// reach another endpoint. The description types the slug as any string; `slug` generates the
// slugs Bitbucket makes.
const slug = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
const text = (schema: string, property: string) => propertyOf(schema, property) as fc.Arbitrary<string>;

const appWorkspace = validObject('workspace', fc.record({ slug, name: text('workspace', 'name') }));
const appRepository = validObject(
  'repository',
  fc.record({
    name: text('repository', 'name'),
    full_name: text('repository', 'full_name'),
    is_private: propertyOf('repository', 'is_private') as fc.Arbitrary<boolean>,
    updated_on: text('repository', 'updated_on'),
    workspace: appWorkspace,
  }),
);
const appAccount = validObject('account', fc.record({ display_name: text('account', 'display_name') }));
const appWorkspaceAccess = validObject('workspace_access', fc.record({ workspace: validObject('workspace_base', fc.record({ slug })) }));

function expectBadResponse(check: () => unknown): void {
  let thrown: unknown;
  try {
    check();
  } catch (error) {
    thrown = error;
  }
  expect(thrown instanceof ApiError && thrown.code === 'BAD_RESPONSE', `threw ${String(thrown)}`).toBe(true);
}

/** A value of another JSON type than `value`'s, to break a field with. */
const otherType = (value: unknown) =>
  fc.constantFrom<unknown>(42, true, null, [], {}, 'text').filter((other) => typeof other !== typeof value || other === null);

describe('generated from the schemas: accepted', () => {
  it('account: parseUser reads display_name', SLOW, () => {
    fc.assert(
      fc.property(appAccount, (account) => {
        expect(parseUser(account)).toEqual({ display_name: account.display_name });
      }),
      RUNS,
    );
  });

  it('workspace_access: parseWorkspaceAccess reads workspace.slug', SLOW, () => {
    fc.assert(
      fc.property(appWorkspaceAccess, (access) => {
        expect(parseWorkspaceAccess(access, '/user/workspaces')).toEqual({ slug: access.workspace.slug });
      }),
      RUNS,
    );
  });

  it('repository: the parser reads every field the list shows', SLOW, () => {
    const parse = repositoryParser(['https:']);
    fc.assert(
      fc.property(appRepository, (repository) => {
        const parsed = parse(repository, '/repositories/x');
        expect(parsed).toMatchObject({
          name: repository.name,
          full_name: repository.full_name,
          is_private: repository.is_private,
          updated_on: repository.updated_on,
          workspace: { slug: repository.workspace.slug, name: repository.workspace.name || repository.workspace.slug },
        });
        const description = repository.description;
        expect(parsed.description).toBe(typeof description === 'string' ? description : '');
      }),
      RUNS,
    );
  });

  it('repository without workspace (the schema does not promise one): it takes the workspace it was listed under', SLOW, () => {
    const parse = repositoryParser(['https:']);
    const { workspace: _workspace, ...fields } = {
      name: text('repository', 'name'),
      full_name: text('repository', 'full_name'),
      is_private: propertyOf('repository', 'is_private') as fc.Arbitrary<boolean>,
      updated_on: text('repository', 'updated_on'),
      workspace: null,
    };
    fc.assert(
      fc.property(validObject('repository', fc.record(fields)), slug, (repository, listedUnder) => {
        expect(parse(repository, '/repositories/x', listedUnder).workspace).toEqual({ slug: listedUnder, name: listedUnder });
      }),
      RUNS,
    );
  });

  it('paginated_repositories and paginated_workspace_access: parsePage takes every value', SLOW, () => {
    const parse = repositoryParser(['https:']);
    const pages = validObject(
      'paginated_repositories',
      fc.record({ values: fc.uniqueArray(appRepository, { maxLength: 3, selector: (r) => r.full_name }) }),
    );
    fc.assert(
      fc.property(pages, (page) => {
        expect(parsePage(page, '/repositories/x', parse).values).toHaveLength(page.values.length);
      }),
      { numRuns: 100 },
    );
    const accesses = validObject(
      'paginated_workspace_access',
      fc.record({ values: fc.uniqueArray(appWorkspaceAccess, { maxLength: 3, selector: (a) => a.workspace.slug }) }),
    );
    fc.assert(
      fc.property(accesses, (page) => {
        expect(parsePage(page, '/user/workspaces', parseWorkspaceAccess).values).toHaveLength(page.values.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the same objects with a field the app uses broken: refused', () => {
  it('account without display_name, or with another type there', SLOW, () => {
    fc.assert(
      fc.property(appAccount, fc.boolean(), (account, remove) => {
        const broken = { ...account } as Record<string, unknown>;
        if (remove) delete broken.display_name;
        else broken.display_name = 7;
        expectBadResponse(() => parseUser(broken));
      }),
      RUNS,
    );
  });

  it('repository with name, full_name, is_private or updated_on missing or of another type, or an updated_on that is no date', SLOW, () => {
    const parse = repositoryParser(['https:']);
    const field = fc.constantFrom('name', 'full_name', 'is_private', 'updated_on');
    fc.assert(
      fc.property(
        appRepository,
        field,
        fc.constantFrom('remove', 'retype', 'not-a-date'),
        fc.constantFrom<unknown>(42, true, null, [], {}, 'text'),
        (repository, key, how, replacement) => {
          const broken = { ...repository } as Record<string, unknown>;
          if (how === 'remove') delete broken[key];
          else if (how === 'not-a-date') broken.updated_on = 'yesterday';
          else {
            if (typeof replacement === typeof broken[key] && replacement !== null) return;
            broken[key] = replacement;
          }
          expectBadResponse(() => parse(broken, '/repositories/x'));
        },
      ),
      RUNS,
    );
  });

  it('workspace_access without a workspace slug, or with one that is not a path segment', SLOW, () => {
    fc.assert(
      fc.property(appWorkspaceAccess, fc.constantFrom<unknown>(undefined, 42, '', 'a/b', '..', '.', 'a b'), (access, bad) => {
        const broken = { ...access, workspace: { ...access.workspace, slug: bad } };
        // The description allows any string there, so only the app's own stricter rule refuses some.
        expectBadResponse(() => parseWorkspaceAccess(broken, '/user/workspaces'));
      }),
      RUNS,
    );
  });

  it('a page whose values is not a list', SLOW, () => {
    fc.assert(
      fc.property(validObject('paginated_repositories'), otherType([]), (page, values) => {
        if (Array.isArray(values)) return;
        expectBadResponse(() => parsePage({ ...page, values }, '/repositories/x', repositoryParser(['https:'])));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the generator', () => {
  it('makes objects the validator accepts, with the optional parts of the schema in them', () => {
    const samples = fc.sample(appRepository, 50);
    expect(samples.every((sample) => validatorFor('repository')(sample))).toBe(true);
    // Not only the fields laid over: the schema's own optional properties show up too.
    expect(samples.some((sample) => 'links' in sample && 'mainbranch' in sample)).toBe(true);
  });
});
