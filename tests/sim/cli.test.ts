// @vitest-environment node
import { spawn } from 'node:child_process';
import { connect } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../sim/cli-args.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('parseCliArgs', () => {
  it('defaults to ports 3100 and 3101 and the demo client', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', options: { authPort: 3100, apiPort: 3101 } });
  });

  it('reads every flag, as --flag value or --flag=value', () => {
    const request = parseCliArgs([
      '--auth-port=4100',
      '--api-port',
      '4101',
      '--seed',
      '7',
      '--latency=250',
      '--omit-size',
      '--pagination',
      'cursor',
      '--client-id',
      'my-key',
      '--callback-url=http://localhost:5173/',
      '--client-secret',
      's3cret',
      '--workspaces',
      'me:3,big-team:500,none:0',
      '--hostile',
      '--app-origin=http://localhost:5173,http://127.0.0.1:5173/',
      '--token-lifetime=90',
      '--expired-token-message',
      'newer',
    ]);
    expect(request).toEqual({
      kind: 'run',
      options: {
        authPort: 4100,
        apiPort: 4101,
        seed: 7,
        latencyMs: 250,
        omitSize: true,
        pagination: 'cursor',
        clients: [{ clientId: 'my-key', name: 'Bitbucket starter (demo)', callbackUrl: 'http://localhost:5173/', secret: 's3cret' }],
        workspaces: [
          { slug: 'me', name: 'Me', repositories: 3 },
          { slug: 'big-team', name: 'Big Team', repositories: 500 },
          { slug: 'none', name: 'None', repositories: 0 },
        ],
        hostile: true,
        appOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173/'],
        tokenLifetimeSeconds: 90,
        expiredTokenMessage: 'newer',
      },
    });
  });

  it.each([
    [['--bogus'], /Unknown option: --bogus/],
    [['--auth-port', 'abc'], /--auth-port must be a port/],
    [['--api-port', '70000'], /--api-port must be a port/],
    [['--pagination', 'offset'], /page or cursor/],
    [['--workspaces', 'acme'], /slug:count/],
    [['--workspaces', 'a:1,a:2'], /twice/],
    [['--seed'], /needs a value/],
    [['--callback-url', 'not a url'], /absolute URL/],
    [['--hostile=yes'], /takes no value/],
    [['--app-origin', 'http://localhost:3000/app'], /--app-origin expects origins/],
    [['--app-origin', 'localhost:3000'], /--app-origin expects origins/],
  ])('explains a bad command line: %j', (argv, message) => {
    const request = parseCliArgs(argv);
    expect(request.kind).toBe('error');
    if (request.kind === 'error') expect(request.message).toMatch(message);
  });

  it('--http2 asks for the API over TLS with HTTP/2', () => {
    expect(parseCliArgs(['--http2'])).toEqual({ kind: 'run', options: { authPort: 3100, apiPort: 3101, http2: true } });
    expect(parseCliArgs(['--http2=yes']).kind).toBe('error');
  });

  it('recognises --help', () => {
    expect(parseCliArgs(['--seed', '2', '--help'])).toEqual({ kind: 'help' });
  });
});

/**
 * Runs `sim/cli.ts` with `args` on free ports, waits for its banner, hands the banner to `use`,
 * then stops it with SIGTERM and checks that it exited cleanly.
 */
async function withCli(args: string[], use: (banner: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', '--auth-port', '0', '--api-port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 8000;
    while (!output.includes('Ctrl+C') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    await use(output);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}

describe('sim/cli.ts', () => {
  it('prints the URLs and env vars, serves, and stops cleanly on SIGTERM', async () => {
    await withCli(['--client-id', 'cli-test'], async (output) => {
      const envLine = /VITE_BITBUCKET_CLIENT_ID=(\S+) VITE_BITBUCKET_AUTHORIZE_URL=(\S+) VITE_BITBUCKET_API_URL=(\S+)/.exec(output);
      expect(envLine, output).not.toBeNull();
      const [, clientId, authorizeUrl, apiUrl] = envLine ?? [];
      expect(clientId).toBe('cli-test');
      expect(authorizeUrl).toMatch(/^http:\/\/localhost:\d+\/site\/oauth2\/authorize$/);
      expect(output).toContain('access tokens live 7200 s; once expired: 401 "Access token expired.');
      const user = await fetch(`${apiUrl}/user`, {
        headers: { Authorization: `Basic ${Buffer.from('demo@example.com:demo-api-token').toString('base64')}` },
      });
      expect(user.status).toBe(200);
    });
  }, 15_000);

  it('--token-lifetime and --expired-token-message: the banner says them and the token endpoint follows', async () => {
    const args = ['--bitbucket-today', '--token-lifetime', '60', '--expired-token-message', 'newer'];
    await withCli(args, async (output) => {
      expect(output).toContain(
        'access tokens live 60 s; once expired: 401 "Token is invalid, expired, or not supported for this endpoint."',
      );
      const authorizeUrl = /VITE_BITBUCKET_AUTHORIZE_URL=(\S+)/.exec(output)?.[1] ?? '';
      const consent = await fetch(authorizeUrl, {
        method: 'POST',
        body: new URLSearchParams({ client_id: 'demo-client', response_type: 'code', decision: 'grant' }),
        redirect: 'manual',
      });
      const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const token = await fetch(authorizeUrl.replace(/authorize$/, 'access_token'), {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code }),
      });
      expect(await token.json()).toMatchObject({ expires_in: 60, token_type: 'bearer' });
    });
  }, 15_000);

  it('--http2: prints an https API and the certificate fingerprint, and serves HTTP/2 with that certificate', async () => {
    await withCli(['--http2'], async (output) => {
      const apiUrl = /VITE_BITBUCKET_API_URL=(https:\/\/localhost:\d+\/2\.0)/.exec(output)?.[1];
      const fingerprint = /SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(output)?.[1];
      expect(apiUrl, output).toBeDefined();
      expect(fingerprint, output).toBeDefined();
      // Not trusted by anyone: the client checks the certificate by the fingerprint printed.
      const session = connect(new URL(apiUrl ?? '').origin, { rejectUnauthorized: false });
      session.on('error', () => {});
      try {
        const status = await new Promise<unknown>((resolve, reject) => {
          const stream = session.request({ ':path': '/2.0/user' });
          stream.on('response', (headers) => resolve(headers[':status']));
          stream.on('error', reject);
          stream.end();
        });
        expect(status).toBe(401);
        expect((session.socket as TLSSocket).getPeerCertificate().fingerprint256).toBe(fingerprint);
      } finally {
        session.destroy();
      }
    });
  }, 15_000);
});
