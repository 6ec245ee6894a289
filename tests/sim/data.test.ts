// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACES, generateDataset } from '../../sim/index.ts';
import type { BitbucketRepository } from '../../sim/index.ts';

const RTL = /[\u0590-\u05FF\u0600-\u06FF]/;
const MARKUP = /<[a-z/]/i;
const CONTROL = /\p{Cc}|\u202E/u;

function allRepositories(data = generateDataset()): BitbucketRepository[] {
  return data.workspaces.flatMap((entry) => entry.repositories);
}

describe('generateDataset', () => {
  it('gives identical data for the same seed', () => {
    expect(JSON.stringify(generateDataset({ seed: 7 }))).toBe(JSON.stringify(generateDataset({ seed: 7 })));
  });

  it('gives different data for a different seed', () => {
    const one = allRepositories(generateDataset({ seed: 1 }));
    const two = allRepositories(generateDataset({ seed: 2 }));
    expect(one.map((repo) => repo.uuid)).not.toEqual(two.map((repo) => repo.uuid));
    expect(one.map((repo) => repo.updated_on)).not.toEqual(two.map((repo) => repo.updated_on));
  });

  it('has the default workspaces: personal (12), large (288), small (5), empty (0)', () => {
    const data = generateDataset();
    expect(data.workspaces.map((entry) => entry.repositories.length)).toEqual([12, 288, 5, 0]);
    expect(data.workspaces.map((entry) => entry.workspace.slug)).toEqual(DEFAULT_WORKSPACES.map((spec) => spec.slug));
    expect(data.workspaces[0]?.workspace.slug).toBe(data.user.nickname);
    expect(data.workspaces[0]?.repositories[0]?.owner.type).toBe('user');
    expect(data.workspaces[1]?.repositories[0]?.owner.type).toBe('team');
  });

  it('follows a custom spec, and resizing one workspace leaves the others unchanged', () => {
    const small = generateDataset({
      workspaces: [
        { slug: 'a', name: 'A', repositories: 3 },
        { slug: 'b', name: 'B', repositories: 4 },
      ],
    });
    const large = generateDataset({
      workspaces: [
        { slug: 'a', name: 'A', repositories: 3 },
        { slug: 'b', name: 'B', repositories: 40 },
      ],
    });
    expect(small.workspaces.map((entry) => entry.repositories.length)).toEqual([3, 4]);
    expect(large.workspaces[0]).toEqual(small.workspaces[0]);
  });

  it('keeps slugs unique per workspace and links consistent with them', () => {
    for (const { workspace, repositories } of generateDataset().workspaces) {
      const slugs = repositories.map((repo) => repo.slug);
      expect(new Set(slugs).size).toBe(slugs.length);
      for (const repo of repositories) {
        expect(repo.full_name).toBe(`${workspace.slug}/${repo.slug}`);
        expect(repo.links.html.href).toBe(`https://bitbucket.org/${workspace.slug}/${repo.slug}`);
        expect(repo.slug).toMatch(/^[a-z0-9._-]+$/);
        expect(repo.workspace.name).toBe(workspace.name);
      }
    }
  });

  it('contains the text a client must display safely', () => {
    const personal = generateDataset().workspaces[0]?.repositories ?? [];
    const texts = personal.flatMap((repo) => [repo.name, repo.description]);
    expect(texts.some((text) => RTL.test(text))).toBe(true);
    expect(texts.some((text) => /[\u4E00-\u9FFF]/.test(text))).toBe(true); // CJK
    expect(texts.some((text) => /\p{Extended_Pictographic}/u.test(text))).toBe(true); // emoji
    expect(texts.some((text) => /[éèêç]/.test(text))).toBe(true);
    expect(texts).toContain('<img src=x onerror=alert(1)>');
    expect(texts).toContain('<script>alert(1)</script>');
    expect(texts.some((text) => text.length >= 300)).toBe(true);
    expect(personal.some((repo) => repo.description === '')).toBe(true);
  });

  it('spreads languages, visibility and dates like real data', () => {
    const repos = allRepositories();
    const languages = new Set(repos.map((repo) => repo.language));
    expect(languages.size).toBeGreaterThanOrEqual(10);
    expect(languages.has('')).toBe(true);
    expect(repos.some((repo) => repo.is_private)).toBe(true);
    expect(repos.some((repo) => !repo.is_private)).toBe(true);
    expect(repos.some((repo) => repo.mainbranch === null)).toBe(true);
    expect(repos.some((repo) => RTL.test(repo.name) || RTL.test(repo.description))).toBe(true);
    for (const repo of repos) {
      expect(repo.updated_on).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      expect(Date.parse(repo.updated_on)).toBeGreaterThanOrEqual(Date.parse(repo.created_on));
    }
    const years = new Set(repos.map((repo) => repo.updated_on.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(4);
  });

  it('builds full repository objects of about 3–4 kB', () => {
    const repo = generateDataset().workspaces[1]?.repositories[0];
    expect(repo).toBeDefined();
    const size = Buffer.byteLength(JSON.stringify(repo));
    expect(size).toBeGreaterThan(2800);
    expect(size).toBeLessThan(4500);
    expect(Object.keys(repo?.links ?? {})).toEqual(
      expect.arrayContaining([
        'self',
        'html',
        'avatar',
        'clone',
        'pullrequests',
        'commits',
        'forks',
        'watchers',
        'downloads',
        'branches',
        'tags',
        'source',
        'hooks',
      ]),
    );
    expect(repo?.links.clone.map((link) => link.name)).toEqual(['https', 'ssh']);
    expect(repo?.uuid).toMatch(/^\{[0-9a-f-]{36}\}$/);
  });

  it('adds hostile records only when asked', () => {
    const calm = generateDataset();
    const hostile = generateDataset({ hostile: true });
    const hrefs = allRepositories(hostile).map((repo) => repo.links.html.href);

    expect(hostile.user.display_name).toMatch(/<script>/);
    expect(hrefs).toContain('javascript:alert(1)');
    expect(hrefs.some((href) => href.startsWith('data:text/html,'))).toBe(true);
    expect(hrefs.some((href) => href.startsWith('http://'))).toBe(true);
    expect(hrefs.some((href) => new URL(href).username !== '')).toBe(true);
    expect(allRepositories(hostile).some((repo) => /\p{Cc}/u.test(repo.name))).toBe(true);
    expect(allRepositories(hostile).some((repo) => repo.name.includes('\u202E'))).toBe(true);
    expect(allRepositories(hostile).some((repo) => repo.description.length === 100_000)).toBe(true);

    expect(calm.user.display_name).not.toMatch(/</);
    expect(allRepositories(calm).every((repo) => repo.links.html.href.startsWith('https://bitbucket.org/'))).toBe(true);
    expect(allRepositories(calm).some((repo) => CONTROL.test(repo.name))).toBe(false);
    expect(allRepositories(calm).some((repo) => MARKUP.test(repo.name))).toBe(true);
  });

  // How fast is for `npm run bench` (which generates 10,000): a unit test asserts no timing, and
  // on a busy machine this one failed at 2.7 s.
  it('generates 10,000 repositories, each with a name of its own', () => {
    const data = generateDataset({ workspaces: [{ slug: 'big', name: 'Big', repositories: 10_000 }] });
    const repositories = data.workspaces[0]?.repositories ?? [];
    expect(repositories).toHaveLength(10_000);
    expect(new Set(repositories.map((repo) => repo.full_name)).size).toBe(10_000);
  });
});
