// @vitest-environment node
import { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificate } from '../../sim/certificate.ts';
import type { Simulator } from '../../sim/index.ts';
import { bearer, start } from './helpers.ts';

const sessions: ClientHttp2Session[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

/** An HTTP/2 session to the simulator's API that trusts its certificate and nothing else. */
function session(sim: Simulator): ClientHttp2Session {
  const client = connect(new URL(sim.apiBase).origin, { ca: sim.certificate?.cert ?? '' });
  // A connection the server cuts is reset: the tests look at what they asked for, not at that.
  client.on('error', () => {});
  sessions.push(client);
  return client;
}

/** One request on an HTTP/2 session: status, headers and body text. */
function h2(client: ClientHttp2Session, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':method': 'GET', ...headers });
    let body = '';
    let answer: IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (received) => (answer = received));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ headers: answer, body }));
    stream.on('error', reject);
    stream.end();
  });
}

describe('the simulator over HTTP/2 (http2: true)', () => {
  it('serves the API over TLS with HTTP/2, with a certificate for localhost that the client verifies', async () => {
    const sim = await start({ http2: true });
    expect(sim.apiBase).toMatch(/^https:\/\/localhost:\d+\/2\.0$/);
    const { headers, body } = await h2(session(sim), { ':path': '/2.0/user', ...bearer(sim.issueToken()) });
    expect(headers[':status']).toBe(200);
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(body).display_name).toBe(sim.data.user.display_name);
    const [record] = sim.requests();
    expect(record).toMatchObject({ server: 'api', method: 'GET', url: `${sim.apiBase}/user`, status: 200, protocol: 'h2' });
    // Pseudo-headers are the request line, not headers.
    expect(Object.keys(record?.headers ?? {}).filter((name) => name.startsWith(':'))).toEqual([]);
    expect(record?.headers.authorization).toMatch(/^Bearer /);
  });

  it('answers preflights over HTTP/2, each logged with its latency', async () => {
    const sim = await start({ http2: true, latencyMs: 30 });
    const { headers } = await h2(session(sim), {
      ':method': 'OPTIONS',
      ':path': '/2.0/repositories/acme-platform?pagelen=100',
      origin: 'http://localhost:3000',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });
    expect(headers[':status']).toBe(204);
    expect(headers['access-control-allow-headers']).toContain('Authorization');
    const [record] = sim.requests();
    expect(record?.method).toBe('OPTIONS');
    expect((record?.answeredTime ?? 0) - (record?.time ?? 0)).toBeGreaterThanOrEqual(30);
  });

  it('multiplexes: requests sent together on one connection are all under way before the first is answered', async () => {
    const sim = await start({ http2: true, latencyMs: 200 });
    const client = session(sim);
    const auth = bearer(sim.issueToken());
    await Promise.all(
      ['/2.0/user', '/2.0/user/workspaces', '/2.0/repositories/dana-demo', '/2.0/repositories/tiny-studio'].map((path) =>
        h2(client, { ':path': path, ...auth }),
      ),
    );
    const log = sim.requests();
    expect(log).toHaveLength(4);
    expect(Math.max(...log.map((r) => r.time))).toBeLessThan(Math.min(...log.map((r) => r.answeredTime)));
  });

  it('still accepts HTTP/1.1 over TLS', async () => {
    const sim = await start({ http2: true });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpsRequest(
        `${sim.apiBase}/user`,
        { ca: sim.certificate?.cert ?? '', headers: bearer(sim.issueToken()) },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(200);
    expect(sim.requests()[0]?.protocol).toBe('http/1.1');
  });

  it('a drop fault resets that one stream; the connection and the other requests carry on', async () => {
    const sim = await start({ http2: true });
    sim.configure({ faults: [{ path: '/user/workspaces', kind: 'drop', times: 1 }] });
    const client = session(sim);
    const auth = bearer(sim.issueToken());
    await expect(h2(client, { ':path': '/2.0/user/workspaces', ...auth })).rejects.toThrow();
    const { headers } = await h2(client, { ':path': '/2.0/user', ...auth });
    expect(headers[':status']).toBe(200);
    expect(sim.requests().map((r) => r.status)).toEqual([0, 200]);
  });

  it('closes while a client still holds its connection open', async () => {
    const sim = await start({ http2: true });
    const client = session(sim);
    await h2(client, { ':path': '/2.0/user', ...bearer(sim.issueToken()) });
    const ended = new Promise((resolve) => client.once('close', resolve));
    // Without cutting the connection, close() would wait for the client to hang up.
    await sim.close();
    await ended;
    expect(client.destroyed).toBe(true);
  });

  it('is chosen at start: configure refuses to change it', async () => {
    const sim = await start();
    expect(() => sim.configure({ http2: true })).toThrow(/http2 cannot be changed/);
  });

  it('is off by default: plain HTTP/1.1, no certificate', async () => {
    const sim = await start();
    expect(sim.apiBase).toMatch(/^http:\/\/localhost:\d+\/2\.0$/);
    expect(sim.certificate).toBeNull();
    await fetch(`${sim.apiBase}/user`, { headers: bearer(sim.issueToken()) });
    expect(sim.requests()[0]?.protocol).toBe('http/1.1');
  });
});

describe('createCertificate', () => {
  it('makes a self-signed certificate for localhost, 127.0.0.1 and ::1, valid now', () => {
    const now = Date.UTC(2026, 11, 1, 12);
    const made = createCertificate(now, 7);
    const cert = new X509Certificate(made.cert);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('example.com')).toBeUndefined();
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(Date.parse(cert.validFrom)).toBeLessThan(now);
    expect(Date.parse(cert.validTo)).toBe(now + 7 * 86_400_000 - (now % 1000));
    expect(made.fingerprint).toBe(cert.fingerprint256);
  });

  it('makes a fresh key and serial number each time', () => {
    const [a, b] = [createCertificate(), createCertificate()];
    expect(a.key).not.toBe(b.key);
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
  });
});
