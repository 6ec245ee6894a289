/**
 * The simulator's data set: a user, their workspaces and repositories, generated from a seed.
 * Everything is built once, in Bitbucket's wire shapes, so serving a page is only slicing a list.
 */
import { createRandom, hashString } from './random.ts';
import type { Random } from './random.ts';
import type { SimDataOptions, SimWorkspaceSpec } from './options.ts';
import type { RepositoryHistory } from './history.ts';
import { SITE_HISTORY, SITE_MAIN_BRANCH, SITE_SLUG } from './site-content.ts';
import {
  LANGUAGES,
  LONG_DESCRIPTION,
  LONG_NAME,
  MARKUP_TEXTS,
  NAME_PREFIXES,
  NAME_SUFFIXES,
  PLAIN_DESCRIPTIONS,
  UNICODE_DESCRIPTIONS,
  UNICODE_NAMES,
} from './samples.ts';
import type { BitbucketOwner, BitbucketProject, BitbucketRepository, BitbucketUser, BitbucketWorkspace } from './wire-types.ts';

/** One workspace with the user's access to it and its repositories. */
export interface SimWorkspaceData {
  /** As `GET /2.0/workspaces/{workspace}` returns it. */
  workspace: BitbucketWorkspace;
  /** Whether the user administers it (`workspace_access.administrator`). */
  administrator: boolean;
  /** As `GET /2.0/repositories/{workspace}` lists them, in the default order. */
  repositories: BitbucketRepository[];
}

/** A repository with files: its object and its history. */
export interface SimSite {
  repository: BitbucketRepository;
  history: RepositoryHistory;
}

/** The generated data. Shared sub-objects (owner, project…) make it cheap: treat it as read-only. */
export interface SimDataset {
  seed: number;
  user: BitbucketUser;
  /** The user's workspaces, in the order of the spec; the first is the personal one. */
  workspaces: SimWorkspaceData[];
  /** Workspaces that exist but the user is not a member of: the API answers 404 for them. */
  otherWorkspaces: SimWorkspaceData[];
  /**
   * `dana-demo/site`, the content repository (posts for a CMS), in every data set: reachable by its
   * name, listed in no workspace.
   */
  site: SimSite;
}

/** The default user's display name and nickname (the slug of their personal workspace). */
export const DEFAULT_USER = { displayName: 'Dana Demo', nickname: 'dana-demo' };

/** The user's workspaces when none are given: personal, large, small, empty. */
export const DEFAULT_WORKSPACES: readonly SimWorkspaceSpec[] = [
  { slug: DEFAULT_USER.nickname, name: DEFAULT_USER.displayName, repositories: 12 },
  { slug: 'acme-platform', name: 'Acme Platform', repositories: 288 },
  { slug: 'tiny-studio', name: 'Tiny Studio', repositories: 5 },
  { slug: 'empty-workspace', name: 'Empty Workspace', repositories: 0 },
];

/** The slug of the workspace the user can see but is not a member of. */
export const OUTSIDER_WORKSPACE_SLUG = 'someone-elses-workspace';

/** The user's display name when `hostile` is on. */
export const HOSTILE_DISPLAY_NAME = 'Dana <img src=x onerror=alert(1)> Demo <script>alert(1)</script>';

const API = 'https://api.bitbucket.org/2.0';
const WEB = 'https://bitbucket.org';
// Generated dates are relative to a fixed moment, never the wall clock, so that a seed always
// gives byte-identical data.
const REFERENCE_TIME = Date.UTC(2026, 10, 1);
const DAY = 24 * 60 * 60 * 1000;
const TEAM_PROJECTS = [
  { key: 'PLAT', name: 'Platform' },
  { key: 'WEB', name: 'Web' },
  { key: 'DATA', name: 'Data & Analytics' },
  { key: 'MOB', name: 'Mobile' },
  { key: 'OPS', name: 'Operations' },
];

/** What varies between repositories; everything else is derived. */
interface RepoSeed {
  name: string;
  description: string;
  language: string;
  isPrivate: boolean;
}

/** Names and slugs already taken in one workspace. */
interface UsedNames {
  names: Set<string>;
  slugs: Set<string>;
}

/** Shared parts of every repository in one workspace. */
interface WorkspaceContext {
  slug: string;
  workspace: BitbucketRepository['workspace'];
  owner: BitbucketOwner;
  projects: BitbucketProject[];
  used: UsedNames;
  nickname: string;
}

// The personal workspace starts with one repository of each kind a client must display safely.
const SHOWCASE: readonly RepoSeed[] = [
  { name: 'dotfiles', description: '', language: 'shell', isPrivate: false },
  { name: 'Café Révolution', description: 'Un café très spécial — déjà vu, crème brûlée.', language: 'python', isPrivate: true },
  { name: '数据管道', description: '数据处理管道，每天运行一次 🚀', language: 'go', isPrivate: true },
  { name: '🚀 rocket-launcher', description: 'Emoji everywhere 🎉🔥✨', language: 'typescript', isPrivate: false },
  { name: 'مستودع-عربي', description: 'مستودع تجريبي لاختبار النص من اليمين إلى اليسار', language: '', isPrivate: true },
  { name: 'פרויקט-עברי', description: 'מאגר לבדיקת טקסט מימין לשמאל', language: 'java', isPrivate: true },
  { name: '<img src=x onerror=alert(1)>', description: '<script>alert(1)</script>', language: 'javascript', isPrivate: false },
  { name: LONG_NAME, description: LONG_DESCRIPTION, language: 'kotlin', isPrivate: true },
  { name: 'api-gateway', description: 'Internal service, owned by the platform team.', language: 'go', isPrivate: true },
  { name: 'mixed English עברית العربية 中文', description: '', language: 'ruby', isPrivate: false },
  { name: 'website', description: 'The public marketing website.', language: 'html/css', isPrivate: false },
  { name: 'notes', description: '"><svg onload=alert(1)>', language: '', isPrivate: true },
];

/** Generates the data set. Deterministic: the same options give identical data. */
export function generateDataset(options: SimDataOptions = {}): SimDataset {
  const seed = options.seed ?? 1;
  const specs = options.workspaces ?? DEFAULT_WORKSPACES;
  const hostile = options.hostile ?? false;
  const user = buildUser(createRandom(hashString(`${seed}:user`)), hostile);

  const workspaces = specs.map((spec, index) => {
    // Each workspace has its own stream, so resizing one leaves the others as they were.
    const random = createRandom(hashString(`${seed}:workspace:${spec.slug}`));
    const personal = index === 0;
    const data = buildWorkspace(spec, random, user, personal);
    const context = workspaceContext(data.workspace, random, user, personal);
    const seeds: RepoSeed[] = [];
    for (let i = 0; i < spec.repositories; i += 1) {
      seeds.push(personal && i < SHOWCASE.length ? (SHOWCASE[i] as RepoSeed) : ordinaryRepoSeed(random));
    }
    data.repositories = seeds.map((repoSeed) => buildRepository(repoSeed, context, random));
    if (personal && hostile) data.repositories.push(...hostileRepositories(context, random));
    return data;
  });

  const otherWorkspaces: SimWorkspaceData[] = [];
  if (!specs.some((spec) => spec.slug === OUTSIDER_WORKSPACE_SLUG)) {
    const random = createRandom(hashString(`${seed}:outsider`));
    const spec = { slug: OUTSIDER_WORKSPACE_SLUG, name: "Someone Else's Workspace", repositories: 3 };
    const data = buildWorkspace(spec, random, user, false);
    const context = workspaceContext(data.workspace, random, user, false);
    for (let i = 0; i < spec.repositories; i += 1) {
      data.repositories.push(buildRepository(ordinaryRepoSeed(random), context, random));
    }
    otherWorkspaces.push({ ...data, administrator: false });
  }

  return { seed, user, workspaces, otherWorkspaces, site: buildSite(seed, user, workspaces) };
}

// Listed in no workspace, so that every count of the lists (the app's tests and the benchmark
// quote them) stays as it was, whatever workspaces a data set has. Its own random stream leaves
// every other record as it was too.
function buildSite(seed: number, user: BitbucketUser, workspaces: readonly SimWorkspaceData[]): SimSite {
  const home =
    workspaces.find((entry) => entry.workspace.slug === user.nickname)?.workspace ??
    buildWorkspace(
      { slug: user.nickname, name: DEFAULT_USER.displayName, repositories: 0 },
      createRandom(hashString(`${seed}:workspace:${user.nickname}`)),
      user,
      true,
    ).workspace;
  const random = createRandom(hashString(`${seed}:site`));
  const description = 'The posts of a small site, edited through a CMS.';
  const repository = buildRepository(
    { name: SITE_SLUG, description, language: '', isPrivate: true },
    workspaceContext(home, random, user, true),
    random,
  );
  delete repository.parent;
  // Its dates and size follow its history rather than the generator's dice.
  const oldest = SITE_HISTORY.commits.at(-1)?.date ?? '';
  const newest = SITE_HISTORY.commits[0]?.date ?? '';
  const files = SITE_HISTORY.commits.flatMap((commit) => [...commit.files.values()]);
  return {
    repository: {
      ...repository,
      mainbranch: { type: 'branch', name: SITE_MAIN_BRANCH },
      created_on: `${oldest.slice(0, 19)}.000000+00:00`,
      updated_on: `${newest.slice(0, 19)}.000000+00:00`,
      size: files.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
    },
    history: SITE_HISTORY,
  };
}

function buildUser(random: Random, hostile: boolean): BitbucketUser {
  const uuid = random.uuid();
  const initials = 'DD';
  return {
    type: 'user',
    uuid,
    account_id: random.hex(24),
    nickname: DEFAULT_USER.nickname,
    display_name: hostile ? HOSTILE_DISPLAY_NAME : DEFAULT_USER.displayName,
    account_status: 'active',
    created_on: timestamp(REFERENCE_TIME - random.int(3 * 365, 9 * 365) * DAY, random),
    has_2fa_enabled: null,
    is_staff: false,
    location: null,
    links: {
      self: { href: `${API}/users/${encodeURIComponent(uuid)}` },
      html: { href: `${WEB}/${encodeURIComponent(uuid)}/` },
      avatar: {
        href:
          `https://secure.gravatar.com/avatar/${random.hex(32)}?d=https%3A%2F%2F` +
          `avatar-management--avatars.us-west-2.prod.public.atl-paas.net%2Finitials%2F${initials}-3.png`,
      },
      repositories: { href: `${API}/repositories/${encodeURIComponent(uuid)}` },
      snippets: { href: `${API}/snippets/${encodeURIComponent(uuid)}` },
      hooks: { href: `${API}/users/${encodeURIComponent(uuid)}/hooks` },
    },
  };
}

function buildWorkspace(spec: SimWorkspaceSpec, random: Random, user: BitbucketUser, personal: boolean): SimWorkspaceData {
  const { slug } = spec;
  const createdMs = REFERENCE_TIME - random.int(400, 10 * 365) * DAY;
  const workspace: BitbucketWorkspace = {
    type: 'workspace',
    // A personal workspace shares its UUID with its owner, as on Bitbucket.
    uuid: personal ? user.uuid : random.uuid(),
    name: spec.name,
    slug,
    is_private: random.chance(0.7),
    is_privacy_enforced: false,
    forking_mode: 'allow_forks',
    created_on: timestamp(createdMs, random),
    updated_on: timestamp(createdMs + random.int(1, 300) * DAY, random),
    links: {
      avatar: { href: `${WEB}/workspaces/${slug}/avatar/?ts=${Math.floor(createdMs / 1000)}` },
      html: { href: `${WEB}/${slug}/` },
      members: { href: `${API}/workspaces/${slug}/members` },
      owners: { href: `${API}/workspaces/${slug}/members?q=permission%3D%22owner%22` },
      hooks: { href: `${API}/workspaces/${slug}/hooks` },
      snippets: { href: `${API}/snippets/${slug}` },
      repositories: { href: `${API}/repositories/${slug}` },
      projects: { href: `${API}/workspaces/${slug}/projects` },
      self: { href: `${API}/workspaces/${slug}` },
    },
  };
  return { workspace, administrator: personal || random.chance(0.3), repositories: [] };
}

function workspaceContext(workspace: BitbucketWorkspace, random: Random, user: BitbucketUser, personal: boolean): WorkspaceContext {
  const { slug } = workspace;
  const owner: BitbucketOwner = personal
    ? {
        type: 'user',
        display_name: user.display_name,
        uuid: user.uuid,
        nickname: user.nickname,
        account_id: user.account_id,
        links: { self: user.links.self, html: user.links.html, avatar: user.links.avatar },
      }
    : {
        type: 'team',
        display_name: workspace.name,
        uuid: workspace.uuid,
        username: slug,
        links: {
          self: { href: `${API}/workspaces/${slug}` },
          html: workspace.links.html,
          avatar: workspace.links.avatar,
        },
      };
  const projectSpecs = personal ? [{ key: 'PROJ', name: 'Untitled project' }] : TEAM_PROJECTS.slice(0, random.int(1, TEAM_PROJECTS.length));
  const projects = projectSpecs.map(({ key, name }): BitbucketProject => ({
    type: 'project',
    key,
    uuid: random.uuid(),
    name,
    links: {
      self: { href: `${API}/workspaces/${slug}/projects/${key}` },
      html: { href: `${WEB}/${slug}/workspace/projects/${key}` },
      avatar: { href: `${WEB}/account/user/${slug}/projects/${key}/avatar/32?ts=${random.int(1e9, 1.8e9)}` },
    },
  }));
  return {
    slug,
    workspace: {
      type: 'workspace',
      uuid: workspace.uuid,
      name: workspace.name,
      slug,
      links: {
        avatar: workspace.links.avatar,
        html: workspace.links.html,
        self: workspace.links.self,
      },
    },
    owner,
    projects,
    used: { names: new Set(), slugs: new Set() },
    nickname: user.nickname,
  };
}

function ordinaryRepoSeed(random: Random): RepoSeed {
  const nameRoll = random.next();
  const name =
    nameRoll < 0.06
      ? random.pick(UNICODE_NAMES)
      : nameRoll < 0.08
        ? random.pick(MARKUP_TEXTS)
        : `${random.pick(NAME_PREFIXES)}-${random.pick(NAME_SUFFIXES)}`;
  const descriptionRoll = random.next();
  const description =
    descriptionRoll < 0.2
      ? ''
      : descriptionRoll < 0.27
        ? random.pick(UNICODE_DESCRIPTIONS)
        : descriptionRoll < 0.3
          ? random.pick(MARKUP_TEXTS)
          : descriptionRoll < 0.32
            ? LONG_DESCRIPTION
            : random.pick(PLAIN_DESCRIPTIONS);
  return { name, description, language: random.pick(LANGUAGES), isPrivate: random.chance(0.7) };
}

function buildRepository(seed: RepoSeed, context: WorkspaceContext, random: Random): BitbucketRepository {
  const { name, slug } = uniqueName(seed.name, context.used);
  const ws = context.slug;
  const uuid = random.uuid();
  const api = `${API}/repositories/${ws}/${slug}`;
  const createdMs = REFERENCE_TIME - random.int(30, 7 * 365) * DAY - random.int(0, DAY);
  const updatedMs = createdMs + Math.floor(random.next() * (REFERENCE_TIME - createdMs - 3_600_000));
  const empty = random.chance(0.06);
  const repository: BitbucketRepository = {
    type: 'repository',
    full_name: `${ws}/${slug}`,
    links: {
      self: { href: api },
      html: { href: `${WEB}/${ws}/${slug}` },
      avatar: { href: `https://bytebucket.org/ravatar/${encodeURIComponent(uuid)}?ts=${seed.language || 'default'}` },
      pullrequests: { href: `${api}/pullrequests` },
      commits: { href: `${api}/commits` },
      forks: { href: `${api}/forks` },
      watchers: { href: `${api}/watchers` },
      branches: { href: `${api}/refs/branches` },
      tags: { href: `${api}/refs/tags` },
      downloads: { href: `${api}/downloads` },
      source: { href: `${api}/src` },
      clone: [
        { name: 'https', href: `https://${context.nickname}@bitbucket.org/${ws}/${slug}.git` },
        { name: 'ssh', href: `git@bitbucket.org:${ws}/${slug}.git` },
      ],
      hooks: { href: `${api}/hooks` },
    },
    name,
    slug,
    description: seed.description,
    scm: 'git',
    website: random.chance(0.1) ? `https://example.com/${slug}` : null,
    owner: context.owner,
    workspace: context.workspace,
    is_private: seed.isPrivate,
    project: random.pick(context.projects),
    fork_policy: seed.isPrivate ? random.pick(['no_public_forks', 'no_forks', 'allow_forks'] as const) : 'allow_forks',
    created_on: timestamp(createdMs, random),
    updated_on: timestamp(updatedMs, random),
    size: empty ? random.int(0, 2048) : random.int(20_000, 400_000_000),
    language: seed.language,
    uuid,
    mainbranch: empty ? null : { type: 'branch', name: random.pick(['main', 'main', 'main', 'master', 'develop']) },
    override_settings: { default_merge_strategy: false, branching_model: false },
    enforced_signed_commits: null,
    has_issues: random.chance(0.4),
    has_wiki: random.chance(0.2),
  };
  if (random.chance(0.05)) {
    const upstream = `upstream-${random.pick(NAME_PREFIXES)}`;
    repository.parent = {
      type: 'repository',
      full_name: `${upstream}/${slug}`,
      name: slug,
      uuid: random.uuid(),
      links: {
        self: { href: `${API}/repositories/${upstream}/${slug}` },
        html: { href: `${WEB}/${upstream}/${slug}` },
        avatar: { href: `https://bytebucket.org/ravatar/${encodeURIComponent(random.uuid())}?ts=default` },
      },
    };
  }
  return repository;
}

// Records built to break clients that trust the API too much. Each still has valid JSON types.
function hostileRepositories(context: WorkspaceContext, random: Random): BitbucketRepository[] {
  const make = (seed: RepoSeed, edit: (repository: BitbucketRepository) => void): BitbucketRepository => {
    const repository = buildRepository(seed, context, random);
    edit(repository);
    return repository;
  };
  const plain = (name: string, description: string): RepoSeed => ({ name, description, language: 'javascript', isPrivate: false });
  const setHtml = (href: string) => (repository: BitbucketRepository) => {
    repository.links = { ...repository.links, html: { href } };
  };
  return [
    make(plain('hostile-javascript-link', 'Its web link is javascript:alert(1).'), (repository) => {
      setHtml('javascript:alert(1)')(repository);
      repository.links.avatar = { href: 'javascript:alert(1)' };
    }),
    make(plain('hostile-data-link', 'Its web link is a data: URL.'), setHtml('data:text/html,<script>alert(1)</script>')),
    make(plain('hostile-http-link', 'Its web link is plain http://.'), (repository) => {
      setHtml(`http://bitbucket.org/${repository.full_name}`)(repository);
    }),
    make(plain('hostile-lookalike-link', 'Its web link goes to another host.'), (repository) => {
      setHtml(`https://bitbucket.org.evil.example/${repository.full_name}`)(repository);
    }),
    make(plain('hostile-userinfo-link', 'Its web link carries a user name and password.'), (repository) => {
      setHtml(`https://user:password@bitbucket.org/${repository.full_name}`)(repository);
    }),
    make(plain('hostile\u0000control\u0007chars\u001b[31m\u001f', 'Tab\there, newline\nthere, NUL \u0000.'), () => {}),
    make(plain('invoice\u202Egpj.exe', 'The name uses U+202E RIGHT-TO-LEFT OVERRIDE.'), () => {}),
    make(plain('hostile-huge-description', 'x'), (repository) => {
      repository.description = hugeDescription();
    }),
    make(plain(HOSTILE_DISPLAY_NAME, '<a href="javascript:alert(1)">click</a><iframe src="//evil.example"></iframe>'), () => {}),
  ];
}

function hugeDescription(): string {
  const unit = 'A very long description. <b>not bold</b> ';
  return unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);
}

/** Keeps names (case-insensitively) and slugs unique within a workspace, as Bitbucket requires. */
function uniqueName(wanted: string, used: UsedNames): { name: string; slug: string } {
  let name = wanted;
  for (let n = 2; used.names.has(name.toLowerCase()); n += 1) name = `${wanted}-${n}`;
  // A name in a script with no ASCII letters has no slug of its own: number a generic one.
  const base = slugify(name) || 'repository';
  let slug = base;
  for (let n = 2; used.slugs.has(slug); n += 1) slug = `${base}-${n}`;
  used.names.add(name.toLowerCase());
  used.slugs.add(slug);
  return { name, slug };
}

/** Lowercase ASCII letters, digits, `.`, `_` and `-`; accents dropped; anything else becomes `-`. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 62);
}

/** Bitbucket's timestamp form: microseconds and an explicit offset, `2026-10-02T14:03:11.123456+00:00`. */
function timestamp(ms: number, random: Random): string {
  const iso = new Date(ms).toISOString(); // 2026-10-02T14:03:11.123Z
  return `${iso.slice(0, 23)}${String(random.int(0, 999)).padStart(3, '0')}+00:00`;
}
