// @vitest-environment node
/**
 * runRelayCommand, what `npm run relay` and `npm run relay:worker` run, in this process: its
 * environment, console and signal handlers are the process's own, so each test puts them back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RelayConfig } from '../../relay/config.ts';
import { runRelayCommand } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { APP_CALLBACK, CLIENT_ID, CLIENT_SECRET, RELAY_SECRET, testEnv } from './support.ts';

const VARIABLES = [...Object.keys(testEnv()), 'BITBUCKET_AUTHORIZE_URL', 'BITBUCKET_TOKEN_URL', 'RELAY_PUBLIC_URL', 'RELAY_HOST', 'PORT'];
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

let savedEnv: NodeJS.ProcessEnv;
let folder: string;
let out: string[];
let errors: string[];
let listenersBefore: Map<string, readonly unknown[]>;

beforeEach(() => {
  savedEnv = { ...process.env };
  // Whatever the developer's shell has, these tests start from none of the relay's variables.
  for (const name of VARIABLES) delete process.env[name];
  folder = mkdtempSync(join(tmpdir(), 'relay-command-'));
  out = [];
  errors = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  listenersBefore = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
});

afterEach(() => {
  for (const signal of SIGNALS) {
    for (const listener of newListeners(signal)) process.off(signal, listener);
  }
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  process.exitCode = undefined;
  rmSync(folder, { recursive: true, force: true });
});

function newListeners(signal: (typeof SIGNALS)[number]): Array<() => void> {
  const before = listenersBefore.get(signal) ?? [];
  return process.listeners(signal).filter((listener) => !before.includes(listener)) as Array<() => void>;
}

/** A start function that records the configuration it got and hands back a server that counts its closes. */
function fakeStart(url = 'http://127.0.0.1:4321') {
  const configs: RelayConfig[] = [];
  let closes = 0;
  const start = (config: RelayConfig): Promise<RelayServer> => {
    configs.push(config);
    return Promise.resolve({ url, close: () => Promise.resolve(void (closes += 1)) });
  };
  return { start, configs, closes: () => closes };
}

function envFile(lines: string[]): string {
  const file = join(folder, '.env');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('runRelayCommand', () => {
  it("reads the .env file under the process's own variables, starts, and prints the URLs to configure", async () => {
    const file = envFile([
      `BITBUCKET_CLIENT_ID=${CLIENT_ID}`,
      `BITBUCKET_CLIENT_SECRET=${CLIENT_SECRET}`,
      `RELAY_SECRET=${RELAY_SECRET}`,
      `RELAY_ALLOWED_CALLBACKS=${APP_CALLBACK}`,
      'PORT=3999',
    ]);
    process.env.PORT = '4321';
    const fake = fakeStart();

    await runRelayCommand('Relay', fake.start, file);

    expect(fake.configs).toEqual([expect.objectContaining({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, port: 4321 })]);
    expect(out).toEqual([
      'Relay listening on http://127.0.0.1:4321',
      // One host name for the browser and Bitbucket: localhost, like the app's own origin.
      '  app sign-in URL (VITE_BITBUCKET_AUTHORIZE_URL): http://localhost:4321/authorize',
      '  OAuth consumer callback URL: http://localhost:4321/callback',
      `  allowed app callbacks: ${APP_CALLBACK}`,
    ]);
    expect(errors).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(out.join('\n')).not.toContain(CLIENT_SECRET);
    expect(out.join('\n')).not.toContain(RELAY_SECRET);
  });

  it('prints the public callback URL and every allowed callback when configured so', async () => {
    Object.assign(process.env, testEnv({ RELAY_PUBLIC_URL: 'https://relay.example.com' }));
    const fake = fakeStart('http://[::1]:3001');

    await runRelayCommand('Relay (workerd)', fake.start, join(folder, 'absent.env'));

    expect(out).toEqual([
      'Relay (workerd) listening on http://[::1]:3001',
      '  app sign-in URL (VITE_BITBUCKET_AUTHORIZE_URL): http://[::1]:3001/authorize',
      '  OAuth consumer callback URL: https://relay.example.com/callback',
      `  allowed app callbacks: ${APP_CALLBACK}, https://localhost:3443/oauth-callback`,
    ]);
  });

  it('closes the server on SIGINT and on SIGTERM', async () => {
    Object.assign(process.env, testEnv());
    const fake = fakeStart();
    await runRelayCommand('Relay', fake.start, join(folder, 'absent.env'));

    for (const [index, signal] of SIGNALS.entries()) {
      const listeners = newListeners(signal);
      expect(listeners).toHaveLength(1);
      for (const listener of listeners) listener();
      expect(fake.closes()).toBe(index + 1);
    }
  });

  it('reads relay/.env by default, where the variables of the process still win', async () => {
    Object.assign(process.env, testEnv({ PORT: '0' }));
    const fake = fakeStart();

    await runRelayCommand('Relay', fake.start);

    expect(fake.configs).toEqual([expect.objectContaining({ clientId: CLIENT_ID, port: 0 })]);
  });

  it('lists every problem, starts nothing and sets exit code 1 when misconfigured', async () => {
    process.env.RELAY_SECRET = 'too-short-NEVER-LOG';
    const fake = fakeStart();

    await runRelayCommand('Relay', fake.start, join(folder, 'absent.env'));

    expect(fake.configs).toEqual([]);
    expect(process.exitCode).toBe(1);
    expect(out).toEqual([]);
    expect(errors).toHaveLength(1);
    for (const variable of ['BITBUCKET_CLIENT_ID', 'BITBUCKET_CLIENT_SECRET', 'RELAY_SECRET', 'RELAY_ALLOWED_CALLBACKS']) {
      expect(errors[0]).toContain(`- ${variable} `);
    }
    expect(errors[0]).not.toContain('too-short-NEVER-LOG');
  });

  it.each([
    ['an error', new Error('listen EACCES: permission denied 127.0.0.1:80'), 'listen EACCES: permission denied 127.0.0.1:80'],
    ['anything else', 'workerd exited with code 1', 'workerd exited with code 1'],
  ])('prints why the server did not start (%s) and sets exit code 1', async (_kind, reason, printed) => {
    Object.assign(process.env, testEnv());

    await runRelayCommand('Relay', () => Promise.reject(reason), join(folder, 'absent.env'));

    expect(errors).toEqual([printed]);
    expect(out).toEqual([]);
    expect(process.exitCode).toBe(1);
    expect(newListeners('SIGINT')).toEqual([]);
  });
});
