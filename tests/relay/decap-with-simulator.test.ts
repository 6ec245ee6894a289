// @vitest-environment node
/**
 * Decap CMS's sign-in and refresh through the relay against the Bitbucket simulator, over real
 * HTTP: on the Node server (`npm run relay`), and on workerd (`npm run relay:worker`, the Worker).
 * The refresh's form body goes through each runtime's own request reading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { locateWorkerd, startWorkerdRelay } from '../../relay/workerd.ts';
import { startSimulator } from '../../sim/index.ts';
import type { Simulator } from '../../sim/index.ts';
import { checkDecapProtocol } from './decap-scenario.ts';
import { CLIENT_ID, CLIENT_SECRET, RELAY_SECRET, testConfig } from './support.ts';

const DECAP_ORIGIN = 'http://localhost:8080';
// CI installs relay/'s dependencies (.ci/run), so there these tests always run.
const withWorkerd = it.skipIf(!locateWorkerd().ok && !process.env.CI);

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ bitbucketToday: true, clients: [] });
});

afterAll(async () => {
  await sim?.close();
});

/** A relay for Decap alone (no app callback), its consumer registered at the simulator. */
async function startRelay(runtime: 'node' | 'workerd', lines: string[]): Promise<RelayServer> {
  const config = testConfig({
    RELAY_ALLOWED_CALLBACKS: undefined,
    RELAY_ALLOWED_ORIGINS: DECAP_ORIGIN,
    BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl,
    BITBUCKET_TOKEN_URL: sim.tokenUrl,
  });
  const log = (line: string) => lines.push(line);
  const relay = runtime === 'node' ? await startRelayServer(config, 0, { log }) : await startWorkerdRelay(config, 0, { log });
  sim.configure({
    clients: [{ clientId: CLIENT_ID, name: `Decap relay (${runtime})`, callbackUrl: `${relay.url}/callback`, secret: CLIENT_SECRET }],
  });
  return relay;
}

function expectNoSecrets(lines: readonly string[]): void {
  for (const line of lines) {
    expect(line).not.toMatch(/s1\.|access_token|refresh_token|NEVER-LOG/);
    expect(line).not.toContain(CLIENT_SECRET);
    expect(line).not.toContain(RELAY_SECRET);
  }
}

describe("Decap CMS's protocol on the Node server", () => {
  it('signs in by message, refreshes with the form Decap sends, refuses a replay and a foreign origin', async () => {
    const lines: string[] = [];
    const relay = await startRelay('node', lines);
    try {
      await checkDecapProtocol({ sim, relay: relay.url, decapOrigin: DECAP_ORIGIN });
    } finally {
      await relay.close();
    }
    expect(lines).toContain('POST /auth/refresh 200');
    expect(lines).toContain('decap refresh: renewed at Bitbucket, refresh token rotated');
    expectNoSecrets(lines);
  });

  it('reads no more of a refresh body than its bound, and closes the connection', async () => {
    const lines: string[] = [];
    const relay = await startRelay('node', lines);
    try {
      const response = await fetch(`${relay.url}/auth/refresh?provider=bitbucket&site_id=demo.decapcms.org`, {
        method: 'POST',
        headers: { origin: DECAP_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: `refresh_token=${'a'.repeat(1_000_000)}`,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('connection')).toBe('close');
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      // The app's routes still refuse a body unread.
      const token = await fetch(`${relay.url}/token`, { method: 'POST', headers: { origin: DECAP_ORIGIN }, body: 'x' });
      expect(token.status).toBe(403);
      // An empty POST keeps the connection: no body to read.
      const empty = await fetch(`${relay.url}/auth/refresh?provider=bitbucket&site_id=demo.decapcms.org`, {
        method: 'POST',
        headers: { origin: DECAP_ORIGIN },
      });
      expect(empty.status).toBe(400);
      expect(empty.headers.get('connection')).not.toBe('close');
    } finally {
      await relay.close();
    }
  });
});

describe("Decap CMS's protocol on workerd (the Worker)", () => {
  withWorkerd('signs in by message, refreshes with the form Decap sends, refuses a replay and a foreign origin', async () => {
    const lines: string[] = [];
    const relay = await startRelay('workerd', lines);
    try {
      await checkDecapProtocol({ sim, relay: relay.url, decapOrigin: DECAP_ORIGIN });
    } finally {
      await relay.close();
    }
    expect(lines).toContain('decap callback: token issued, refresh token sealed, handing it to Decap CMS');
    expect(lines).toContain('decap refresh: renewed at Bitbucket, refresh token rotated');
    expectNoSecrets(lines);
  });
});
