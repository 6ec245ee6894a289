// @vitest-environment node
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readRelayConfig } from '../../relay/config.ts';
import {
  COMPATIBILITY_DATE,
  locateWorkerd,
  MISSING_RUNTIME_MESSAGE,
  startWorkerdRelay,
  WORKER_VARIABLES,
  workerdConfig,
  workerEnvironment,
} from '../../relay/workerd.ts';
import { startSimulator } from '../../sim/index.ts';
import { checkSessionEndpoints } from './session-scenario.ts';
import { CLIENT_ID, CLIENT_SECRET, RELAY_SECRET, testConfig } from './support.ts';

const installed = locateWorkerd();
// CI installs relay/'s dependencies (.ci/run), so there these tests always run.
const withWorkerd = it.skipIf(!installed.ok && !process.env.CI);

const workerdFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('bitbucket-relay-workerd-'));

describe('workerd configuration', () => {
  it('binds every variable from the environment and holds no value', () => {
    const config = workerdConfig({ address: '127.0.0.1:3001', tokenUrl: 'https://bitbucket.org/site/oauth2/access_token' });
    for (const name of WORKER_VARIABLES) expect(config).toContain(`(name = "${name}", fromEnvironment = "${name}")`);
    expect(config.match(/\(name = "[A-Z_]+", /g)).toHaveLength(WORKER_VARIABLES.length);
    expect(config).toContain(`compatibilityDate = "${COMPATIBILITY_DATE}"`);
    expect(config).toContain('address = "127.0.0.1:3001"');
    expect(config).not.toContain('text =');
  });

  it('refuses an address that is not a host and a port (RELAY_HOST goes into the config as text)', () => {
    const tokenUrl = 'https://bitbucket.org/site/oauth2/access_token';
    for (const address of ['0.0.0.0:3001', 'relay.example:8080', '[::1]:3001', 'localhost:0']) {
      expect(() => workerdConfig({ address, tokenUrl }), address).not.toThrow();
    }
    for (const address of ['127.0.0.1", http = (), service = "other":3001', '127.0.0.1\n:3001', 'host:', ':3001', 'a b:3001']) {
      expect(() => workerdConfig({ address, tokenUrl }), address).toThrow(/RELAY_HOST/);
    }
  });

  it('reaches loopback addresses only when the token endpoint is on this machine', () => {
    const remote = workerdConfig({ address: '127.0.0.1:3001', tokenUrl: 'https://bitbucket.org/site/oauth2/access_token' });
    const local = workerdConfig({ address: '127.0.0.1:3001', tokenUrl: 'http://localhost:3100/site/oauth2/access_token' });
    expect(remote).toContain('allow = ["public"]');
    expect(local).toContain('allow = ["public", "local"]');
    expect(remote).toContain('globalOutbound = "internet"');
  });

  it('hands the Worker exactly the checked configuration', () => {
    const config = testConfig({ RELAY_PUBLIC_URL: 'https://relay.example.com', BITBUCKET_TOKEN_URL: 'http://localhost:3100/token' });
    const result = readRelayConfig(workerEnvironment(config));
    expect(result).toEqual({ ok: true, config });
    expect(Object.keys(workerEnvironment(config))).toEqual([...WORKER_VARIABLES]);
  });

  it('uses the compatibility date of wrangler.toml.example, one the pinned runtime accepts', () => {
    const toml = readFileSync(new URL('../../relay/wrangler.toml.example', import.meta.url), 'utf8');
    expect(toml).toContain(`compatibility_date = "${COMPATIBILITY_DATE}"`);
    const pinned = JSON.parse(readFileSync(new URL('../../relay/package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    // workerd's version carries its own newest date: 1.YYYYMMDD.n.
    const runtimeDate = /^1\.(\d{4})(\d{2})(\d{2})\.\d+$/.exec(pinned.devDependencies.workerd ?? '');
    expect(runtimeDate).not.toBeNull();
    expect(COMPATIBILITY_DATE <= `${runtimeDate?.[1]}-${runtimeDate?.[2]}-${runtimeDate?.[3]}`).toBe(true);
  });
});

describe('finding the Workers runtime', () => {
  it('says how to install it when relay/ has no dependencies', () => {
    const result = locateWorkerd(() => {
      throw new Error("Cannot find module 'workerd'");
    });
    expect(result).toEqual({ ok: false, message: MISSING_RUNTIME_MESSAGE });
    expect(MISSING_RUNTIME_MESSAGE).toContain('npm ci --prefix relay');
  });

  it('refuses a runtime older than the compatibility date', () => {
    const result = locateWorkerd(() => ({ default: '/bin/workerd', compatibilityDate: '2025-01-01' }));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(`up to 2025-01-01, older than the relay's ${COMPATIBILITY_DATE}`);
  });

  it('takes the binary its package exports', () => {
    expect(locateWorkerd(() => ({ default: '/bin/workerd', compatibilityDate: '2099-01-01' }))).toEqual({
      ok: true,
      runtime: { binary: '/bin/workerd', compatibilityDate: '2099-01-01' },
    });
  });
});

describe('the relay on workerd', () => {
  withWorkerd('answers on a free port, then stops and leaves no files behind', async () => {
    const before = workerdFolders();
    const lines: string[] = [];
    const relay = await startWorkerdRelay(testConfig(), 0, { log: (line) => lines.push(line) });
    try {
      expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${relay.url}/healthcheck`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const authorize = await fetch(`${relay.url}/authorize?state=s&redirect_uri=http://localhost:3000/oauth-callback`, {
        redirect: 'manual',
      });
      expect(authorize.status).toBe(302);
      expect(new URL(authorize.headers.get('location') ?? '').origin).toBe('https://bitbucket.org');
    } finally {
      await relay.close();
    }
    await expect(fetch(`${relay.url}/healthcheck`)).rejects.toThrow();
    expect(workerdFolders()).toEqual(before);
    expect(lines).toContain('authorize: redirecting to Bitbucket');
    for (const line of lines) {
      expect(line).not.toContain(CLIENT_SECRET);
      expect(line).not.toContain(RELAY_SECRET);
    }
  });

  withWorkerd('keeps sessions: POST /token and POST /sign-out against the simulator, as on Node', async () => {
    const sim = await startSimulator({ bitbucketToday: true, clients: [] });
    const lines: string[] = [];
    const config = testConfig({ BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl, BITBUCKET_TOKEN_URL: sim.tokenUrl });
    const relay = await startWorkerdRelay(config, 0, { log: (line) => lines.push(line) });
    try {
      expect(relay.pid).toEqual(expect.any(Number));
      sim.configure({
        clients: [{ clientId: CLIENT_ID, name: 'relay on workerd', callbackUrl: `${relay.url}/callback`, secret: CLIENT_SECRET }],
      });
      await checkSessionEndpoints({ sim, relayBase: relay.url, appOrigin: 'http://localhost:3000' });
    } finally {
      await relay.close();
      await sim.close();
    }
    expect(lines).toContain('token: renewed at Bitbucket, refresh token rotated');
    expect(lines).toContain('sign-out: the refresh token was spent');
    for (const line of lines) {
      expect(line).not.toMatch(/s1\.|access_token|refresh_token/);
      expect(line).not.toContain(CLIENT_SECRET);
    }
  });

  withWorkerd('says so when the port is taken, and cleans up', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    const before = workerdFolders();
    try {
      const starting = startWorkerdRelay(testConfig(), port, { startTimeoutMs: 5_000, log: () => {} });
      // workerd's own reason comes with it.
      await expect(starting).rejects.toThrow(
        new RegExp(`^The relay could not start on workerd at 127\\.0\\.0\\.1:${port}: .*\\n.*Address already in use`),
      );
    } finally {
      blocker.close();
    }
    expect(workerdFolders()).toEqual(before);
  });

  it('is installed by CI', () => {
    // .ci/run installs relay/'s dependencies; without them the end-to-end tests on workerd are skipped.
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toContain('npm ci --prefix relay');
    expect(existsSync(new URL('../../relay/package-lock.json', import.meta.url))).toBe(true);
  });
});
