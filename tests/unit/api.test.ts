/** The named calls: where each request goes, and which names the branch list refuses to put in a path. */
import { describe, expect, it } from 'vitest';
import { listBranches } from '../../src/api.ts';

describe('listBranches', () => {
  it.each(['ws/repo', 'my-team/repo.name', 'ws/.config', 'ws/..x', 'a_b/c-d.e'])('asks for the branches of %j', (fullName) => {
    const call = listBranches(fullName);
    expect(call.path.startsWith(`/repositories/${fullName}/refs/branches?pagelen=100&fields=`)).toBe(true);
    expect(call.needs?.apiToken).toBe('read:repository:bitbucket');
  });

  it.each([
    ['a path up', '../ws/repo'],
    ['a path up, after a first segment', '../../ws/repo'],
    ['the current folder', './repo'],
    ['a repository named ..', 'ws/..'],
    ['a repository named .', 'ws/.'],
    ['a third segment', 'ws/repo/../other'],
    ['a query', 'ws/repo?x=1'],
    ['one segment', 'repo'],
  ])('refuses %s (%j): it would reach another endpoint', (_what, fullName) => {
    expect(() => listBranches(fullName)).toThrow(expect.objectContaining({ code: 'BAD_RESPONSE' }));
  });
});
