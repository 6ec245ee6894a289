/**
 * The files and history of `dana-demo/site`, the small content repository that is always in the
 * simulator's data: four Markdown posts with front matter under `content/posts/`, a page under
 * `content/pages/`, two images under `static/images/`, two branches. A CMS such as Decap lists and opens these posts. Fixed text and
 * dates, so the hashes are the same on every run and for every seed.
 */
import { buildHistory } from './history.ts';
import type { HistoryStep, RepositoryHistory } from './history.ts';

/** The repository's slug; its workspace is the user's own. */
export const SITE_SLUG = 'site';

/** Its main branch. */
export const SITE_MAIN_BRANCH = 'main';

const DANA = { author: 'Dana Demo <demo@example.com>', authorIsUser: true };
// Someone who commits with an address Bitbucket ties to no account: only the raw text is known.
const SAM = { author: 'Sam Writer <sam@example.com>', authorIsUser: false };

function post(title: string, date: string, description: string, body: string): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndate: ${JSON.stringify(date)}\ndescription: ${JSON.stringify(description)}\n---\n\n${body.trim()}\n`;
}

function logo(radius: number): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">' +
    `<rect width="64" height="64" rx="${radius}" fill="#0052cc"/>` +
    '<path d="M20 44V20h14a8 8 0 0 1 0 16H26" fill="none" stroke="#fff" stroke-width="6"/></svg>\n'
  );
}

const HELLO = (spelling: string) =>
  post(
    'Hello from Bitbucket',
    '2026-09-14T09:00:00.000Z',
    'Why this site keeps its posts in a Bitbucket repository.',
    `
This site keeps its posts as Markdown files in a ${spelling} repository. Each post is one file
under \`content/posts/\`, with a few lines of front matter on top: a title, a date and a short
description.

A content editor never sees the files: the CMS lists them, opens one, and shows a form.
`,
  );

const STEPS: readonly HistoryStep[] = [
  {
    branch: SITE_MAIN_BRANCH,
    date: '2026-09-14T09:12:03+00:00',
    message: 'Start the site: a README, the logo and a first post\n',
    ...DANA,
    write: {
      'README.md':
        '# site\n\nThe posts of a small site, edited through a CMS. Posts live in `content/posts/`, images in `static/images/`.\n',
      'static/images/logo.svg': logo(8),
      'content/pages/about.md': `---\ntitle: "About"\n---\n\nA small site whose posts are edited through a CMS, kept in a Bitbucket repository.\n`,
      'content/posts/2026-09-14-hello-from-bitbucket.md': HELLO('Bitbucekt'),
    },
  },
  {
    branch: SITE_MAIN_BRANCH,
    date: '2026-09-28T16:40:27+00:00',
    message: 'Add a post on signing in through a relay\n',
    ...SAM,
    write: {
      'content/posts/2026-09-28-signing-in-through-a-relay.md': post(
        'Signing in through a relay',
        '2026-09-28T16:00:00.000Z',
        'A browser app cannot keep a client secret; a small server can.',
        `
Bitbucket Cloud no longer hands tokens straight to a page. The page goes through a small relay
instead: the relay keeps the consumer's secret, exchanges the code for a token, and passes the
token on.

The editor signs in once; the relay does the rest.

![The relay between the browser and Bitbucket](/images/relay.svg)
`,
      ),
      'static/images/relay.svg':
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">' +
        '<circle cx="20" cy="20" r="12" fill="#0052cc"/><circle cx="100" cy="20" r="12" fill="#36b37e"/>' +
        '<path d="M32 20h56" stroke="#172b4d" stroke-width="4"/></svg>\n',
    },
  },
  {
    branch: SITE_MAIN_BRANCH,
    date: '2026-10-12T08:05:51+00:00',
    message: 'Add a post on following next\n',
    ...DANA,
    write: {
      'content/posts/2026-10-12-following-next.md': post(
        'Follow next, do not count pages',
        '2026-10-12T08:00:00.000Z',
        'How to walk a long list from the Bitbucket API.',
        `
Every list the API returns comes in pages. Take the \`next\` link of each page as it is, until a
page has none: that is the whole list, however the pages are numbered.
`,
      ),
    },
  },
  {
    branch: 'redesign',
    from: SITE_MAIN_BRANCH,
    date: '2026-10-15T13:22:09+00:00',
    message: 'Try a rounder logo\n',
    ...DANA,
    write: { 'static/images/logo.svg': logo(32) },
  },
  {
    branch: SITE_MAIN_BRANCH,
    date: '2026-10-20T11:31:44+00:00',
    message: 'Fix a typo in the first post\n',
    ...DANA,
    write: { 'content/posts/2026-09-14-hello-from-bitbucket.md': HELLO('Bitbucket') },
  },
  {
    branch: SITE_MAIN_BRANCH,
    date: '2026-10-26T19:02:15+00:00',
    message: 'Add a post about front matter\n',
    ...SAM,
    write: {
      'content/posts/2026-10-26-front-matter-in-a-nutshell.md': post(
        'Front matter in a nutshell',
        '2026-10-26T19:00:00.000Z',
        'The lines between the two --- at the top of a post.',
        `
The block between the two \`---\` lines at the top of a post is YAML. The CMS turns each of its
keys into a field of the form; the rest of the file is the body.
`,
      ),
    },
  },
];

/** The repository's history: `main` with four posts, and `redesign`, which tries another logo. */
export const SITE_HISTORY: RepositoryHistory = buildHistory(STEPS);
