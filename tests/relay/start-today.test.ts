// @vitest-environment node
// `npm run start:today`: the dev server's relay in front of the simulator as Bitbucket is today.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCookieClient, signInThroughRelay } from '../../scripts/relay-client.ts';
import { readTodayOptions, startToday } from '../../scripts/start-today.ts';
import { DEV_SECRET_FILE } from '../../relay/dev-server.ts';

describe('readTodayOptions', () => {
  it("takes Bitbucket's hour and the usual ports by default", () => {
    expect(readTodayOptions({})).toEqual({ ok: true, options: { port: 3000, authPort: 3100, apiPort: 3101, tokenLifetimeSeconds: 3600 } });
  });

  it('takes SIMULATOR_TOKEN_LIFETIME in seconds, and the ports', () => {
    const read = readTodayOptions({
      SIMULATOR_TOKEN_LIFETIME: '60',
      PORT: '3200',
      SIMULATOR_AUTH_PORT: '4100',
      SIMULATOR_API_PORT: '4101',
    });
    expect(read).toEqual({ ok: true, options: { port: 3200, authPort: 4100, apiPort: 4101, tokenLifetimeSeconds: 60 } });
  });

  it.each(['0', '86401', '1.5', '-1', 'a minute'])('refuses SIMULATOR_TOKEN_LIFETIME=%s, naming it', (text) => {
    expect(readTodayOptions({ SIMULATOR_TOKEN_LIFETIME: text })).toEqual({
      ok: false,
      message: `SIMULATOR_TOKEN_LIFETIME must be a number of seconds from 1 to 86400, not "${text}".`,
    });
  });

  it('names every wrong variable', () => {
    const read = readTodayOptions({ PORT: 'x', SIMULATOR_API_PORT: '70000' });
    expect(read.ok ? '' : read.message.split('\n')).toEqual([
      'PORT must be a port from 1 to 65535, not "x".',
      'SIMULATOR_API_PORT must be a port from 0 to 65535, not "70000".',
    ]);
  });
});

/** A port free a moment ago: the relay allows the app's callback on the port it is configured with. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('startToday', () => {
  const envDir = mkdtempSync(join(tmpdir(), 'start-today-'));
  afterAll(() => rmSync(envDir, { recursive: true, force: true }));

  it('signs in through the relay to the simulator on 127.0.0.1, and renews with POST /relay/token', async () => {
    const lines: string[] = [];
    const before = process.env.BITBUCKET_CLIENT_ID;
    const port = await freePort();
    const today = await startToday({ port, authPort: 0, apiPort: 0, tokenLifetimeSeconds: 5 }, (line) => lines.push(line), envDir);
    try {
      expect(today.sim.authorizeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(today.appOrigin).toBe(`http://localhost:${port}`);
      const client = createCookieClient();
      const toApp = await signInThroughRelay(client, {
        relayBase: `${today.appOrigin}/relay`,
        appCallback: `${today.appOrigin}/oauth-callback`,
        appState: 'today',
      });
      expect(new URL(toApp.headers.get('location') ?? '').hash).toContain('expires_in=5');
      const renewed = await client.send(`${today.appOrigin}/relay/token`, {
        method: 'POST',
        headers: { origin: today.appOrigin, 'x-bitbucket-relay': '1' },
      });
      expect(renewed.status).toBe(200);
      expect(await renewed.json()).toMatchObject({ token_type: 'bearer', expires_in: 5 });
      expect(today.sim.refreshTokensUsedTwice()).toEqual([]);
      // The secret it keeps: beside the .env it reads, and never served.
      expect(readFileSync(join(envDir, DEV_SECRET_FILE), 'utf8')).toMatch(/RELAY_SECRET=/);
      const served = await fetch(`${today.appOrigin}/${DEV_SECRET_FILE}`);
      expect(await served.text()).not.toContain('RELAY_SECRET');
    } finally {
      await today.close();
    }
    expect(process.env.BITBUCKET_CLIENT_ID).toBe(before);
    expect(lines.join('\n')).toContain('access tokens live 5 s (SIMULATOR_TOKEN_LIFETIME)');
    expect(lines.join('\n')).toContain('POST /relay/token');
  });
});
