// @vitest-environment node
/**
 * The Node relay's timer for a connection's first request, counted among this process's active
 * timers. A file of its own: another test's connections would hold timers of their own.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADERS_TIMEOUT_MS, startRelayServer } from '../../relay/node.ts';
import type { RelayServer } from '../../relay/node.ts';
import { testConfig } from './support.ts';

let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
});

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('the Node relay', () => {
  it('leaves no timer behind for a connection that closed before its first request', async () => {
    server = await startRelayServer(testConfig(), 0, { log: () => {} });
    const before = timers();
    const { port } = new URL(server.url);
    const sockets = Array.from({ length: 40 }, () => connect(Number(port), '127.0.0.1').on('error', () => {}));
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    // One timer per connection waiting for its first request: the count this test watches.
    await expect.poll(timers, { timeout: HEADERS_TIMEOUT_MS / 2 }).toBeGreaterThanOrEqual(before + 40);

    for (const socket of sockets) socket.destroy();
    // Well before the 5 s limit would have fired them: the server's side of each closed at once.
    await expect.poll(timers, { timeout: HEADERS_TIMEOUT_MS / 2 }).toBeLessThanOrEqual(before + 5);
  });
});
