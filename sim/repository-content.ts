/**
 * Which history each repository has: `dana-demo/site` its own posts (site-content.ts); every other
 * repository a stand-in made from its branches, the same on every run, so that its branches,
 * commits and files agree with each other.
 */
import type { SimDataset } from './data.ts';
import { buildHistory } from './history.ts';
import type { RepositoryHistory } from './history.ts';
import { createRandom, hashString } from './random.ts';
import type { BitbucketRepository } from './wire-types.ts';

/** The branches a generated repository has besides its main branch, each kept with a 40% chance. */
const OTHER_BRANCHES = ['develop', 'release/1.0', 'feature/sign-in', 'feature/search', 'fix/typo', 'chore/deps'];

/** The repository's history. */
export function historyOf(data: SimDataset, repo: BitbucketRepository): RepositoryHistory {
  return repo === data.site.repository ? data.site.history : standInHistory(repo);
}

/**
 * None before a repository's first commit (no main branch); else its main branch and a few others,
 * each one commit that holds a README; one repository in fifty has a few hundred branches (pages of them).
 */
function standInHistory(repo: BitbucketRepository): RepositoryHistory {
  if (!repo.mainbranch) return { branches: [], commits: [] };
  const random = createRandom(hashString(`branches:${repo.full_name}`));
  const names = new Set([repo.mainbranch.name]);
  for (const name of OTHER_BRANCHES) if (random.chance(0.4)) names.add(name);
  if (random.chance(0.02)) for (let n = 1; n <= 240; n++) names.add(`feature/ticket-${n}`);
  const readme = `# ${repo.name}\n\n${repo.description}\n`;
  return buildHistory(
    [...names].map((name) => ({
      branch: name,
      date: `${repo.updated_on.slice(0, 19)}+00:00`,
      message: name === repo.mainbranch?.name ? 'Initial commit\n' : `Start ${name}\n`,
      author: 'Dana Demo <demo@example.com>',
      authorIsUser: true,
      write: { 'README.md': readme },
    })),
  );
}
