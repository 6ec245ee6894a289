// @vitest-environment node
/** The simulator's `GET /2.0/repositories/{workspace}/{repo_slug}/refs/branches`. */
import { describe, expect, it } from 'vitest';
import { bearer, getJson, sharedSimulator } from './helpers.ts';
import type { Json } from './helpers.ts';

const shared = sharedSimulator();

/** Every repository of the default dataset, as `full_name`s, with its main branch. */
async function repositories(): Promise<Array<{ full_name: string; mainbranch: { name: string } | null }>> {
  const sim = shared();
  const { body } = await getJson(sim, '/repositories/acme-platform?pagelen=100&fields=values.full_name,values.mainbranch,next');
  return body.values;
}

/** Every branch of `fullName`, following next. */
async function allBranches(fullName: string, query = 'pagelen=100'): Promise<Json[]> {
  const sim = shared();
  const values: Json[] = [];
  for (let url: string | undefined = `/repositories/${fullName}/refs/branches?${query}`; url;) {
    const { status, body } = await getJson(sim, url);
    expect(status).toBe(200);
    values.push(...body.values);
    url = body.next;
  }
  return values;
}

describe('branches', () => {
  it('lists a repository’s branches, its main branch among them, as Bitbucket shapes them', async () => {
    const repo = (await repositories()).find((r) => r.mainbranch !== null);
    if (!repo?.mainbranch) throw new Error('no repository with a main branch');
    const branches = await allBranches(repo.full_name);
    expect(branches.map((b) => b.name)).toContain(repo.mainbranch.name);
    expect(branches[0]).toMatchObject({
      type: 'branch',
      name: expect.any(String),
      target: { type: 'commit', hash: expect.stringMatching(/^[0-9a-f]{40}$/) },
    });
  });

  it('has none for a repository without commits (no main branch)', async () => {
    const repo = (await repositories()).find((r) => r.mainbranch === null);
    if (!repo) throw new Error('no empty repository');
    expect(await allBranches(repo.full_name)).toEqual([]);
  });

  it('is paginated with pagelen, size and next, and shaped by fields', async () => {
    const sim = shared();
    const many = [];
    for (const repo of await repositories()) if ((await allBranches(repo.full_name)).length > 100) many.push(repo.full_name);
    expect(many.length).toBeGreaterThan(0);
    const { body } = await getJson(sim, `/repositories/${many[0]}/refs/branches?pagelen=100&fields=next,size,page,pagelen,values.name`);
    expect(body.values).toHaveLength(100);
    expect(Object.keys(body.values[0])).toEqual(['name']);
    expect(body.size).toBeGreaterThan(100);
    expect(new URL(body.next).searchParams.get('page')).toBe('2');
    const names = (await allBranches(many[0] ?? '', 'pagelen=100')).map((b) => b.name);
    expect(new Set(names).size).toBe(body.size);
  });

  it('answers the same branches on every run', async () => {
    const [first] = await repositories();
    expect(await allBranches(first?.full_name ?? '')).toEqual(await allBranches(first?.full_name ?? ''));
  });

  it('answers 404 for an unknown repository and needs the repository scope', async () => {
    const sim = shared();
    expect((await getJson(sim, '/repositories/acme-platform/no-such-repo/refs/branches')).status).toBe(404);
    const [first] = await repositories();
    const accountOnly = sim.issueToken({ scopes: 'account' });
    expect((await getJson(sim, `/repositories/${first?.full_name}/refs/branches`, bearer(accountOnly))).status).toBe(403);
  });
});
