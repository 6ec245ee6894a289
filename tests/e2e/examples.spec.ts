/**
 * The examples (examples/vanilla, react, vue) as a user runs them: each one's own dev server, its
 * own dependencies, and the core installed from the package folder. Each signs in through the
 * simulator, shows the user's name and every repository across workspaces, and signs out.
 */
import { test, expect, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { E2E } from './ports.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = ['vanilla', 'react', 'vue'] as const;
type Example = (typeof EXAMPLES)[number];

const servers: ChildProcess[] = [];
/** Each example's origin, once its server answers: the tests of one example share it. */
const started = new Map<Example, Promise<string>>();

test.beforeAll(async () => {
  // As each example's `predev` does: the package's dist/ from its source.
  const built = spawnSync(process.execPath, [join(ROOT, 'packages/bitbucket-browser-auth/build.mjs')], { stdio: 'inherit' });
  expect(built.status).toBe(0);
});

test.afterAll(() => {
  for (const server of servers) if (server.pid) process.kill(-server.pid);
});

/** Starts the example's own `vite` (its own install), once, and resolves with its origin once it answers. */
function serve(example: Example): Promise<string> {
  let origin = started.get(example);
  if (!origin) started.set(example, (origin = start(example)));
  return origin;
}

async function start(example: Example): Promise<string> {
  const dir = join(ROOT, 'examples', example);
  const port = E2E.examplePorts[example];
  // Its output, for when it fails: test-results/example-NAME.log.
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const log = openSync(join(ROOT, 'test-results', `example-${example}.log`), 'w');
  const server = spawn(join(dir, 'node_modules/.bin/vite'), ['--port', String(port), '--strictPort'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', log, log],
    // No consumer configured (global setup's demo server left VITE_* in this process's environment):
    // the example's dev server starts the simulator, its demo mode.
    env: { ...withoutViteVariables(process.env), SIMULATOR_AUTH_PORT: String(port + 1), SIMULATOR_API_PORT: String(port + 2) },
  });
  servers.push(server);
  const origin = `http://localhost:${port}`;
  for (let tries = 0; tries < 150; tries++) {
    const up = await fetch(origin).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return origin;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`examples/${example} did not start on ${origin}`);
}

const withoutViteVariables = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('VITE_')));

/** Every repository the signed-in user can see, counted from the API with the page's own token. */
async function repositoryCount(page: Page, apiBase: string): Promise<number> {
  const session = await page.evaluate(() => sessionStorage.getItem('bitbucket-browser-auth:session'));
  const { accessToken } = JSON.parse(session ?? '{}') as { accessToken: string };
  const get = async (path: string) =>
    (await (await fetch(`${apiBase}${path}`, { headers: { Authorization: `Bearer ${accessToken}` } })).json()) as {
      size?: number;
      values: Array<{ workspace: { slug: string } }>;
    };
  const workspaces = await get('/user/workspaces?pagelen=100');
  const sizes = await Promise.all(
    workspaces.values.map(async ({ workspace }) => (await get(`/repositories/${workspace.slug}?pagelen=10`)).size ?? 0),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

for (const example of EXAMPLES) {
  test(`examples/${example}: signs in through the simulator, lists every repository across workspaces, and signs out`, async ({ page }) => {
    test.setTimeout(120_000);
    const installed = existsSync(join(ROOT, 'examples', example, 'node_modules/.bin/vite'));
    test.skip(!installed && !process.env.CI, `examples/${example} is not installed: npm ci --prefix examples/${example}`);
    expect(installed, `examples/${example}'s dependencies (CI installs them)`).toBe(true);
    const origin = await serve(example);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'Sign in with Bitbucket' }).click();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.waitForURL(`${origin}/`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Signed in as Dana Demo');
    const total = await repositoryCount(page, `http://localhost:${E2E.examplePorts[example] + 2}/2.0`);
    expect(total).toBeGreaterThan(100);
    await expect(page.getByRole('listitem')).toHaveCount(total, { timeout: 30_000 });
    await expect(page.getByRole('listitem').first()).toHaveText(/^[\w-]+\/[\w.-]+$/);
    // The token is in the address bar nowhere, and in no storage but sessionStorage.
    expect(page.url()).toBe(`${origin}/`);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in with Bitbucket' })).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.getItem('bitbucket-browser-auth:session'))).toBeNull();
    expect(errors).toEqual([]);
  });

  test(`examples/${example}: signing out while the repositories load stops their requests, with no error`, async ({ page }) => {
    test.setTimeout(120_000);
    const installed = existsSync(join(ROOT, 'examples', example, 'node_modules/.bin/vite'));
    test.skip(!installed && !process.env.CI, `examples/${example} is not installed: npm ci --prefix examples/${example}`);
    const origin = await serve(example);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    // The repositories' first pages are held until the user has signed out.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const routed: Promise<void>[] = [];
    await page.route(/\/2\.0\/repositories\//, (route) => {
      const passed = held.then(() => route.continue()).catch(() => {});
      routed.push(passed);
      return passed;
    });

    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'Sign in with Bitbucket' }).click();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Signed in as Dana Demo');
    await expect.poll(() => routed.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('button', { name: 'Sign in with Bitbucket' })).toBeVisible();

    release();
    await Promise.all(routed);
    // Whatever the held answers set off has run by the time the page answers this.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(routed).toHaveLength(1);
    await expect(page.getByRole('listitem')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
}
