// @vitest-environment node
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createServer } from 'vite';
import type { ConfigEnv, Logger, UserConfig } from 'vite';
import { DEV_RELAY_PATH, DEV_SECRET_FILE, devRelay, formatDevRelayProblems, keptDevSecret, planDevRelay } from '../../relay/dev-server.ts';
import type { DevRelayPlan } from '../../relay/dev-server.ts';
import type { RelayEnv } from '../../relay/config.ts';
import { startSimulator } from '../../sim/index.ts';
import { checkSessionEndpoints } from './session-scenario.ts';
import { APP_STATE, CLIENT_ID, CLIENT_SECRET, RELAY_SECRET } from './support.ts';

const ORIGIN = 'http://localhost:3000';
const FRESH_SECRET = 'fresh-secret-for-this-start-0123456789abcdef';
const plan = (env: RelayEnv): DevRelayPlan => planDevRelay(env, ORIGIN, () => FRESH_SECRET);
const KEY_AND_SECRET = { BITBUCKET_CLIENT_ID: CLIENT_ID, BITBUCKET_CLIENT_SECRET: CLIENT_SECRET };

/** The problems' variables and codes, for a plan that must be invalid. */
function problemsOf(result: DevRelayPlan): string[] {
  if (result.kind !== 'invalid') throw new Error(`expected problems, got ${result.kind}`);
  return result.problems.map((p) => `${p.variable} ${p.code}`);
}

describe('the relay in the dev server: which setup', () => {
  it('stays off without the two variables (the demo, or the app with VITE_ variables)', () => {
    expect(plan({})).toEqual({ kind: 'off' });
    expect(plan({ VITE_BITBUCKET_CLIENT_ID: CLIENT_ID, BITBUCKET_CLIENT_ID: ' ' })).toEqual({ kind: 'off' });
  });

  it('runs with only the Key and the Secret: Bitbucket, a fresh secret, this origin as the only callback', () => {
    const result = plan(KEY_AND_SECRET);
    expect(result).toEqual({
      kind: 'relay',
      config: expect.objectContaining({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        relaySecret: FRESH_SECRET,
        allowedCallbacks: [`${ORIGIN}/oauth-callback`],
        authorizeUrl: 'https://bitbucket.org/site/oauth2/authorize',
        tokenUrl: 'https://bitbucket.org/site/oauth2/access_token',
      }),
      appEnv: {
        VITE_BITBUCKET_CLIENT_ID: CLIENT_ID,
        VITE_BITBUCKET_AUTHORIZE_URL: `${ORIGIN}${DEV_RELAY_PATH}/authorize`,
        VITE_BITBUCKET_RELAY_URL: `${ORIGIN}${DEV_RELAY_PATH}`,
      },
    });
    // The relay sends no redirect_uri: Bitbucket uses the consumer's callback URL, <origin>/relay/callback.
    expect(result.kind === 'relay' && result.config.callbackUrl).toBe(undefined);
  });

  it('takes the optional Bitbucket URLs and RELAY_SECRET', () => {
    const result = plan({
      ...KEY_AND_SECRET,
      BITBUCKET_AUTHORIZE_URL: 'http://localhost:3100/site/oauth2/authorize',
      BITBUCKET_TOKEN_URL: 'http://localhost:3100/site/oauth2/access_token',
      RELAY_SECRET,
    });
    expect(result.kind === 'relay' && result.config).toMatchObject({
      authorizeUrl: 'http://localhost:3100/site/oauth2/authorize',
      tokenUrl: 'http://localhost:3100/site/oauth2/access_token',
      relaySecret: RELAY_SECRET,
    });
  });

  it('draws a new secret for each start when RELAY_SECRET is unset', () => {
    let drawn = 0;
    const next = () => `secret-number-${++drawn}-0123456789abcdef0123456789`;
    const first = planDevRelay(KEY_AND_SECRET, ORIGIN, next);
    const second = planDevRelay(KEY_AND_SECRET, ORIGIN, next);
    expect(first.kind === 'relay' && second.kind === 'relay' && first.config.relaySecret !== second.config.relaySecret).toBe(true);
  });

  it.each([
    [{ BITBUCKET_CLIENT_ID: CLIENT_ID }, ['BITBUCKET_CLIENT_SECRET MISSING']],
    [{ BITBUCKET_CLIENT_SECRET: CLIENT_SECRET }, ['BITBUCKET_CLIENT_ID MISSING']],
    [{ ...KEY_AND_SECRET, VITE_BITBUCKET_CLIENT_ID: CLIENT_ID }, ['VITE_BITBUCKET_CLIENT_ID CONFLICT']],
    [{ ...KEY_AND_SECRET, VITE_BITBUCKET_AUTHORIZE_URL: 'http://localhost:3001/authorize' }, ['VITE_BITBUCKET_AUTHORIZE_URL CONFLICT']],
    [{ ...KEY_AND_SECRET, VITE_BITBUCKET_RELAY_URL: 'http://localhost:3001' }, ['VITE_BITBUCKET_RELAY_URL CONFLICT']],
    [{ ...KEY_AND_SECRET, RELAY_SECRET: 'short' }, ['RELAY_SECRET TOO_SHORT']],
    [{ ...KEY_AND_SECRET, BITBUCKET_TOKEN_URL: 'http://bitbucket.example/token' }, ['BITBUCKET_TOKEN_URL NOT_HTTPS']],
    [{ VITE_BITBUCKET_CLIENT_SECRET: CLIENT_SECRET }, ['VITE_BITBUCKET_CLIENT_SECRET PUBLIC_SECRET']],
    [
      { BITBUCKET_CLIENT_ID: CLIENT_ID, VITE_BITBUCKET_CLIENT_SECRET: CLIENT_SECRET },
      ['VITE_BITBUCKET_CLIENT_SECRET PUBLIC_SECRET', 'BITBUCKET_CLIENT_SECRET MISSING'],
    ],
    [{ ...KEY_AND_SECRET, VITE_RELAY_SECRET: RELAY_SECRET }, ['VITE_RELAY_SECRET PUBLIC_SECRET']],
    // Any name that says secret, whoever made it up.
    [
      { VITE_MY_SECRET: 's', VITE_DB_PASSWORD: 'p', VITE_BITBUCKET_API_TOKEN: 't', VITE_SIGNING_PRIVATE_KEY: 'k' },
      [
        'VITE_BITBUCKET_API_TOKEN PUBLIC_SECRET',
        'VITE_DB_PASSWORD PUBLIC_SECRET',
        'VITE_MY_SECRET PUBLIC_SECRET',
        'VITE_SIGNING_PRIVATE_KEY PUBLIC_SECRET',
      ],
    ],
  ])('refuses a half or contradictory setup: %o', (env, expected) => {
    expect(problemsOf(plan(env))).toEqual(expected);
  });

  it('refuses only the secret-like names Vite gives the app (VITE_ first), whatever the rest of the setup', () => {
    expect(plan({ OLD_VITE_API_TOKEN: 't', MY_SECRET: 's' })).toEqual({ kind: 'off' });
    expect(problemsOf(plan({ VITE_SECRET: 's', BITBUCKET_CLIENT_ID: CLIENT_ID, VITE_BITBUCKET_CLIENT_ID: CLIENT_ID }))).toEqual([
      'VITE_SECRET PUBLIC_SECRET',
      'BITBUCKET_CLIENT_SECRET MISSING',
      'VITE_BITBUCKET_CLIENT_ID CONFLICT',
    ]);
  });

  it('says in each message which variable to change and how', () => {
    const result = plan({
      BITBUCKET_CLIENT_ID: CLIENT_ID,
      VITE_BITBUCKET_AUTHORIZE_URL: 'http://localhost:3001/authorize',
      VITE_X_PASSWORD: 'p',
    });
    const problems = result.kind === 'invalid' ? result.problems : [];
    // Each message starts with the variable it is about, as the relay's own do.
    for (const p of problems) expect(p.message).toMatch(new RegExp(`^${p.variable} `));
    const messages = Object.fromEntries(problems.map((p) => [p.code, p.message]));
    // The variable to rename, and its new name.
    expect(messages.PUBLIC_SECRET).toContain('VITE_X_PASSWORD');
    expect(messages.PUBLIC_SECRET).toContain(' X_PASSWORD ');
    // The missing variable, and the one that makes it needed.
    expect(messages.MISSING).toContain('BITBUCKET_CLIENT_SECRET');
    expect(messages.MISSING).toContain('BITBUCKET_CLIENT_ID');
    // Either way out: the app's variable, or both of the relay's.
    for (const name of ['VITE_BITBUCKET_AUTHORIZE_URL', 'BITBUCKET_CLIENT_ID', 'BITBUCKET_CLIENT_SECRET'])
      expect(messages.CONFLICT).toContain(name);
  });

  it("lists one problem a line, under a pointer to the README's section on the setup", () => {
    const result = plan({ BITBUCKET_CLIENT_SECRET: CLIENT_SECRET, VITE_RELAY_SECRET: RELAY_SECRET });
    const problems = result.kind === 'invalid' ? result.problems : [];
    expect(problems).toHaveLength(2);
    const [heading, ...lines] = formatDevRelayProblems(problems).split('\n');
    expect(lines).toEqual(problems.map((p) => `  - ${p.message}`));
    const section = /"([^"]+)"/.exec(heading ?? '')?.[1] ?? '';
    expect(heading).toContain('.env');
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(`\n## ${section}\n`);
  });

  it('never quotes a secret in its messages', () => {
    const result = plan({
      BITBUCKET_CLIENT_SECRET: CLIENT_SECRET,
      VITE_BITBUCKET_CLIENT_SECRET: CLIENT_SECRET,
      RELAY_SECRET: 'short-NEVER-LOG',
    });
    const text = formatDevRelayProblems(result.kind === 'invalid' ? result.problems : []);
    expect(text).toContain('BITBUCKET_CLIENT_ID is not set, but BITBUCKET_CLIENT_SECRET is');
    expect(text).toContain('Name it BITBUCKET_CLIENT_SECRET (no VITE_)');
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('NEVER-LOG');
  });
});

describe('the RELAY_SECRET the dev server keeps', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  const folder = () => {
    const made = mkdtempSync(join(tmpdir(), 'dev-relay-secret-'));
    folders.push(made);
    return made;
  };

  it('is made once, kept in a file only its owner can read, and the same on the next start', () => {
    const here = folder();
    let made = 0;
    const next = () => `made-secret-${(made += 1)}-0123456789abcdefghijklmnopqrstuvwxyz`;
    const first = keptDevSecret(here, next);
    expect(first).toBe('made-secret-1-0123456789abcdefghijklmnopqrstuvwxyz');
    const file = join(here, DEV_SECRET_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`\nRELAY_SECRET=${first}\n`);
    expect(keptDevSecret(here, next)).toBe(first);
    expect(made).toBe(1);
  });

  it('is git-ignored and refused by the dev server (a .env.* file)', () => {
    expect(DEV_SECRET_FILE).toMatch(/^\.env\./);
    expect(readFileSync(new URL('../../.gitignore', import.meta.url), 'utf8').split('\n')).toContain('.env.*');
  });

  it('tightens the mode of a kept file left readable by others', () => {
    const here = folder();
    const file = join(here, DEV_SECRET_FILE);
    writeFileSync(file, `RELAY_SECRET=${RELAY_SECRET}\n`);
    chmodSync(file, 0o644);
    expect(keptDevSecret(here, () => 'unused')).toBe(RELAY_SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['no RELAY_SECRET line', 'OTHER=1\n'],
    ['a secret under 32 characters', 'RELAY_SECRET=short\n'],
  ])('makes a new one when the file holds %s', (_name, text) => {
    const here = folder();
    writeFileSync(join(here, DEV_SECRET_FILE), text);
    expect(keptDevSecret(here, () => FRESH_SECRET)).toBe(FRESH_SECRET);
    expect(readFileSync(join(here, DEV_SECRET_FILE), 'utf8')).toContain(`RELAY_SECRET=${FRESH_SECRET}`);
  });

  it('draws 32 random bytes by default', () => {
    expect(keptDevSecret(folder())).toMatch(/^[\w-]{43}$/);
  });
});

describe('the Vite plugin', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
    delete process.env.VITE_BITBUCKET_CLIENT_ID;
    delete process.env.VITE_BITBUCKET_AUTHORIZE_URL;
    delete process.env.VITE_BITBUCKET_RELAY_URL;
  });

  /** Runs the plugin's config hook as Vite would, with `.env` holding `lines`. */
  function runConfigHook(lines: string[], command: ConfigEnv['command']): void {
    const envDir = mkdtempSync(join(tmpdir(), 'dev-relay-plugin-'));
    folders.push(envDir);
    writeFileSync(join(envDir, '.env'), `${lines.join('\n')}\n`);
    const hook = devRelay(3000).config as (config: UserConfig, env: ConfigEnv) => void;
    hook({ envDir, server: { port: 3456 } }, { command, mode: command === 'build' ? 'production' : 'development' });
  }

  it('points the app at the relay on its own origin when serving, and keeps the secret it made beside .env', () => {
    runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`], 'serve');
    expect(process.env.VITE_BITBUCKET_CLIENT_ID).toBe(CLIENT_ID);
    expect(process.env.VITE_BITBUCKET_AUTHORIZE_URL).toBe('http://localhost:3456/relay/authorize');
    expect(process.env.VITE_BITBUCKET_RELAY_URL).toBe('http://localhost:3456/relay');
    expect(readFileSync(join(folders.at(-1) ?? '', DEV_SECRET_FILE), 'utf8')).toMatch(/\nRELAY_SECRET=[\w-]{43}\n/);
  });

  it('keeps no secret when RELAY_SECRET is set, nor for a build', () => {
    runConfigHook(
      [`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`, `RELAY_SECRET=${RELAY_SECRET}`],
      'serve',
    );
    expect(() => statSync(join(folders.at(-1) ?? '', DEV_SECRET_FILE))).toThrow();
    runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`], 'build');
    expect(() => statSync(join(folders.at(-1) ?? '', DEV_SECRET_FILE))).toThrow();
  });

  it('stops the dev server on a half setup', () => {
    expect(() => runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`], 'serve')).toThrow('BITBUCKET_CLIENT_SECRET is not set');
  });

  it('reads the shell only when .env files are off (envDir: false)', () => {
    process.env.BITBUCKET_CLIENT_ID = CLIENT_ID;
    try {
      const hook = devRelay(3000).config as (config: UserConfig, env: ConfigEnv) => void;
      expect(() => hook({ envDir: false }, { command: 'serve', mode: 'development' })).toThrow('BITBUCKET_CLIENT_SECRET is not set');
    } finally {
      delete process.env.BITBUCKET_CLIENT_ID;
    }
  });

  it('leaves a build alone, except for a secret in a VITE_ variable', () => {
    runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`], 'build');
    expect(process.env.VITE_BITBUCKET_CLIENT_ID).toBeUndefined();
    // A half relay setup does not matter to a build.
    runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`], 'build');
    let refusal: unknown;
    try {
      runConfigHook([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `VITE_BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`], 'build');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Error);
    expect(String(refusal)).toContain('VITE_BITBUCKET_CLIENT_SECRET would be built into the app');
    expect(String(refusal)).not.toContain('BITBUCKET_CLIENT_SECRET is not set');
  });

  it.each([
    ['the root', (root: string) => ({ root }), ''],
    ['envDir, relative to the root', (root: string) => ({ root, envDir: 'env' }), 'env'],
  ])("reads .env from %s, and uses the plugin's port when the config has none", (_where, config, folder) => {
    const root = mkdtempSync(join(tmpdir(), 'dev-relay-root-'));
    folders.push(root);
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, '.env'), `BITBUCKET_CLIENT_ID=${CLIENT_ID}\nBITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}\n`);
    const hook = devRelay(3000).config as (config: UserConfig, env: ConfigEnv) => void;
    hook(config(root), { command: 'serve', mode: 'development' });
    expect(process.env.VITE_BITBUCKET_CLIENT_ID).toBe(CLIENT_ID);
    expect(process.env.VITE_BITBUCKET_AUTHORIZE_URL).toBe('http://localhost:3000/relay/authorize');
  });

  it('is not applied to vite preview, which serves a build', () => {
    const apply = devRelay(3000).apply as (config: UserConfig, env: ConfigEnv) => boolean;
    expect(apply({}, { command: 'serve', mode: 'production', isPreview: true })).toBe(false);
    expect(apply({}, { command: 'serve', mode: 'development', isPreview: false })).toBe(true);
  });
});

describe('the dev server with the plugin', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    delete process.env.VITE_BITBUCKET_CLIENT_ID;
    delete process.env.VITE_BITBUCKET_AUTHORIZE_URL;
    delete process.env.VITE_BITBUCKET_RELAY_URL;
  });

  /**
   * Vite in middleware mode with the plugin, .env holding `lines`, behind a loopback server;
   * returns its URL, Vite's info lines and the lines among them that were given a timestamp.
   */
  async function devServer(lines: string[]): Promise<{ url: string; info: string[]; stamped: string[] }> {
    const root = mkdtempSync(join(tmpdir(), 'dev-relay-server-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(join(root, '.env'), `${lines.join('\n')}\n`);
    const info: string[] = [];
    const stamped: string[] = [];
    const logger: Logger = {
      ...createLogger('silent'),
      info: (message, options) => {
        info.push(message);
        if (options?.timestamp === true) stamped.push(message);
      },
    };
    const vite = await createServer({
      configFile: false,
      root,
      appType: 'custom',
      customLogger: logger,
      server: { middlewareMode: true, hmr: false, ws: false, port: 3456 },
      plugins: [devRelay(3000)],
    });
    cleanup.push(() => vite.close());
    const http = createHttpServer(vite.middlewares);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, info, stamped };
  }

  it('answers the relay under /relay, logs through Vite and says where to point the OAuth consumer', async () => {
    const { url, info, stamped } = await devServer([`BITBUCKET_CLIENT_ID=${CLIENT_ID}`, `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`]);

    const health = await fetch(`${url}${DEV_RELAY_PATH}/healthcheck`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: 'http://localhost:3456/oauth-callback' });
    const authorize = await fetch(`${url}${DEV_RELAY_PATH}/authorize?${query}`, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    expect(new URL(authorize.headers.get('location') ?? '').searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(authorize.headers.getSetCookie()).toHaveLength(1);
    // Outside its path the relay is not there.
    expect((await fetch(`${url}/healthcheck`)).status).toBe(404);

    // The relay's own lines say when, among Vite's.
    expect(stamped).toEqual(['  relay: authorize: redirecting to Bitbucket']);
    const started = info.find((line) => line.includes('Bitbucket sign-in through the relay')) ?? '';
    expect(started).toContain('http://localhost:3456/relay/authorize');
    expect(started).toContain('http://localhost:3456/relay/callback');
    expect(started).toContain('https://bitbucket.org/site/oauth2/access_token');
    expect(info.join('\n')).not.toContain(CLIENT_SECRET);
  });

  it('keeps sessions at /relay/token and /relay/sign-out, for its own origin only', async () => {
    const sim = await startSimulator({ bitbucketToday: true, clients: [] });
    cleanup.push(() => sim.close());
    const { url, info } = await devServer([
      `BITBUCKET_CLIENT_ID=${CLIENT_ID}`,
      `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`,
      `BITBUCKET_AUTHORIZE_URL=${sim.authorizeUrl}`,
      `BITBUCKET_TOKEN_URL=${sim.tokenUrl}`,
    ]);
    sim.configure({
      clients: [{ clientId: CLIENT_ID, name: 'dev relay', callbackUrl: `${url}${DEV_RELAY_PATH}/callback`, secret: CLIENT_SECRET }],
    });
    // The app's origin is the dev server's own (its configured port), allowed without RELAY_ALLOWED_CALLBACKS.
    await checkSessionEndpoints({
      sim,
      relayBase: `${url}${DEV_RELAY_PATH}`,
      appOrigin: 'http://localhost:3456',
      answersPreflights: false,
    });
    const said = info.find((line) => line.includes('Sessions:')) ?? '';
    expect(said).toContain('POST http://localhost:3456/relay/token and /relay/sign-out, for http://localhost:3456 only');
    expect(said).toMatch(new RegExp(`RELAY_SECRET \\(kept in .*/\\${DEV_SECRET_FILE}\\)`));
    expect(said).toContain('a new one ends every session');
  });

  it('has no relay without the Key and the Secret', async () => {
    const { url, info } = await devServer([]);
    expect((await fetch(`${url}${DEV_RELAY_PATH}/healthcheck`)).status).toBe(404);
    expect(info.join('\n')).not.toContain('relay');
  });
});
