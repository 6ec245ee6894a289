// @vitest-environment node
/**
 * The Node relay's limits on slow clients, measured on loopback with real sockets and the real
 * clock (the limits are Node's timers, nothing here can be faked). The bounds are wide: a limit
 * that held 30 s late, as Node's default check interval allows, fails them by far.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, LIMITS_CHECK_INTERVAL_MS, MAX_CONNECTIONS, startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { APP_CALLBACK, APP_STATE, ACCESS_TOKEN, CODE, bitbucketToken, testConfig, tokenResponse } from './support.ts';

// The documented limit, plus Node's check interval, plus room for a loaded machine (a CI run once
// saw a close come later than 2 s of room allowed). Still far below the 30 s of Node's default.
const CLOSED_WITHIN_MS = HEADERS_TIMEOUT_MS + LIMITS_CHECK_INTERVAL_MS + 6_000;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(maxConnections?: number, deps?: { fetch: typeof fetch }): Promise<RelayServer> {
  const server = await startRelayServer(testConfig(), 0, {
    log: () => {},
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(deps === undefined ? {} : { deps }),
  });
  cleanup.push(() => server.close());
  return server;
}

/** A client socket and the time it was closed, in ms after it was opened (undefined while open). */
function open(server: RelayServer): { socket: Socket; closedAfter: () => number | undefined; closed: Promise<number> } {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  const opened = performance.now();
  let closedAfter: number | undefined;
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      closedAfter = performance.now() - opened;
      resolve(closedAfter);
    }),
  );
  cleanup.push(() => socket.destroy());
  return { socket, closedAfter: () => closedAfter, closed };
}

/** Starts a request and then sends one more header line every 200 ms, never ending the headers. */
function drip(socket: Socket, start = 'GET /healthcheck HTTP/1.1\r\nHost: relay\r\n'): void {
  socket.write(start);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('X-Drip: 1\r\n');
  }, 200);
  cleanup.push(() => clearInterval(timer));
}

function withTimeout(promise: Promise<number>): Promise<number> {
  return Promise.race([
    promise,
    new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), CLOSED_WITHIN_MS + 1_000)),
  ]);
}

describe('the Node relay against slow clients', () => {
  // Retried: about one run in ten on a loaded machine, the silent client's socket never saw its
  // close (cause not found yet; tracked in the closing note). Without the limits, every try fails.
  it(
    `closes a connection that drips its headers, and one that sends nothing, within ${HEADERS_TIMEOUT_MS / 1000} s`,
    { retry: 2, timeout: 30_000 },
    async () => {
      const server = await start();
      const dripping = open(server);
      drip(dripping.socket);
      const silent = open(server);

      const [drippedFor, silentFor] = await Promise.all([withTimeout(dripping.closed), withTimeout(silent.closed)]);
      for (const elapsed of [drippedFor, silentFor]) {
        expect(elapsed).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
        expect(elapsed).toBeLessThanOrEqual(CLOSED_WITHIN_MS);
      }
    },
  );

  it('closes a kept-alive connection whose second request drips its headers', async () => {
    const server = await start();
    const client = open(server);
    const answered = new Promise<void>((resolve) => client.socket.once('data', () => resolve()));
    client.socket.write('GET /healthcheck HTTP/1.1\r\nHost: relay\r\nConnection: keep-alive\r\n\r\n');
    await answered;
    const started = performance.now();
    drip(client.socket);
    await withTimeout(client.closed);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThanOrEqual(CLOSED_WITHIN_MS);
  }, 30_000);

  it('keeps answering /healthcheck while 200 drip-fed connections are open, and then closes them all', async () => {
    const server = await start();
    const clients = Array.from({ length: 200 }, () => open(server));
    for (const client of clients) drip(client.socket);

    for (let i = 0; i < 5; i += 1) {
      const response = await fetch(`${server.url}/healthcheck`, { signal: AbortSignal.timeout(2_000) });
      expect(response.status).toBe(200);
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const closedAfter = await Promise.all(clients.map((client) => withTimeout(client.closed)));
    expect(Math.max(...closedAfter)).toBeLessThanOrEqual(CLOSED_WITHIN_MS);
  }, 40_000);

  it.each([
    ['maxConnections', 5],
    ['default', undefined],
  ])(
    'closes connections beyond the %s limit as they arrive',
    async (_limit, maxConnections) => {
      const server = await start(maxConnections);
      const holders = Array.from({ length: maxConnections ?? MAX_CONNECTIONS }, () => open(server));
      for (const holder of holders) drip(holder.socket);
      await Promise.all(holders.map((holder) => new Promise((resolve) => holder.socket.once('connect', resolve))));
      await new Promise((resolve) => setTimeout(resolve, 300));

      const extra = open(server);
      extra.socket.write('GET /healthcheck HTTP/1.1\r\nHost: relay\r\n\r\n');
      let answered = false;
      extra.socket.on('data', () => (answered = true));
      const extraFor = await withTimeout(extra.closed);
      expect(answered).toBe(false);
      expect(extraFor).toBeLessThan(HEADERS_TIMEOUT_MS);
      expect(holders.every((holder) => holder.closedAfter() === undefined)).toBe(true);
    },
    30_000,
  );

  it('answers a request whose token exchange takes longer than the headers limit', async () => {
    const slowTokenEndpoint = () =>
      new Promise<Response>((resolve) => setTimeout(() => resolve(tokenResponse(bitbucketToken())), HEADERS_TIMEOUT_MS + 1_000));
    const server = await start(undefined, { fetch: slowTokenEndpoint });
    const query = new URLSearchParams({ state: APP_STATE, redirect_uri: APP_CALLBACK });
    const authorized = await fetch(`${server.url}/authorize?${query}`, { redirect: 'manual' });
    const relayState = new URL(authorized.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const cookie = (authorized.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';

    const answer = await fetch(`${server.url}/callback?${new URLSearchParams({ code: CODE, state: relayState })}`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(APP_CALLBACK);
    expect(new URLSearchParams(location.hash.slice(1)).get('access_token')).toBe(ACCESS_TOKEN);
  }, 30_000);
});
