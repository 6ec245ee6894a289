// @vitest-environment node
/**
 * The two token options: how long access tokens live (`tokenLifetimeSeconds`, `--token-lifetime`)
 * and which words the API uses once one has expired (`expiredTokenMessage`,
 * `--expired-token-message`), in the classic behaviour and with `bitbucketToday`.
 */
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../sim/cli-args.ts';
import type { SimOptions } from '../../sim/index.ts';
import { bearer, getJson, manualClock, obtainCode, postToken, start } from './helpers.ts';

const EXPIRED = 'Access token expired. Use your refresh token to obtain a new access token.';
const NEWER = 'Token is invalid, expired, or not supported for this endpoint.';

const MODES: Array<[string, SimOptions]> = [
  ['classic', {}],
  ['bitbucket-today', { bitbucketToday: true }],
];

/** The options the command line asks for, on free ports. */
function fromCli(argv: string[]): SimOptions {
  const request = parseCliArgs(argv);
  if (request.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(request)}`);
  return { ...request.options, authPort: 0, apiPort: 0 };
}

/** The message the API answers for a token issued now and read one second after it expired. */
async function messageOnceExpired(options: SimOptions): Promise<{ status: number; message: string }> {
  const clock = manualClock();
  const sim = await start({ ...options, now: clock.now });
  const token = sim.issueToken({ lifetimeSeconds: 10 });
  clock.advance(11_000);
  const { status, body } = await getJson(sim, '/user', bearer(token));
  return { status, message: body.error.message };
}

describe.each(MODES)('expiredTokenMessage (%s)', (_, mode) => {
  it('is the classic message by default', async () => {
    expect(await messageOnceExpired(mode)).toEqual({ status: 401, message: EXPIRED });
  });

  it("is Bitbucket's newer message with 'newer'", async () => {
    expect(await messageOnceExpired({ ...mode, expiredTokenMessage: 'newer' })).toEqual({ status: 401, message: NEWER });
  });

  it('comes from the command line: --expired-token-message newer', async () => {
    expect(await messageOnceExpired({ ...mode, ...fromCli(['--expired-token-message', 'newer']) })).toEqual({
      status: 401,
      message: NEWER,
    });
  });

  it('changes at run time through the control endpoint, and reset brings back the start option', async () => {
    const clock = manualClock();
    const sim = await start({ ...mode, now: clock.now });
    const token = sim.issueToken({ lifetimeSeconds: 10 });
    clock.advance(10_000);
    const control = (path: string, body?: unknown) =>
      fetch(`${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/${path}`, { method: 'POST', body: JSON.stringify(body ?? {}) });

    expect((await control('configure', { expiredTokenMessage: 'newer' })).status).toBe(204);
    expect((await getJson(sim, '/user', bearer(token))).body.error.message).toBe(NEWER);
    const refused = await control('configure', { expiredTokenMessage: 'expired' });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.detail).toBe('Invalid value for expiredTokenMessage.');
    expect((await control('reset')).status).toBe(204);
    expect((await getJson(sim, '/user', bearer(token))).body.error.message).toBe(EXPIRED);
  });

  it('leaves the other refusals as they are: a revoked or unknown token is "invalid" either way', async () => {
    const sim = await start({ ...mode, expiredTokenMessage: 'classic' });
    const token = sim.issueToken();
    sim.revokeToken(token);
    expect((await getJson(sim, '/user', bearer(token))).body.error.message).toBe(NEWER);
    expect((await getJson(sim, '/user', bearer('unknown'))).body.error.message).toBe(NEWER);
  });
});

describe('tokenLifetimeSeconds and --token-lifetime', () => {
  /** The `expires_in` of a token from the code grant, and whether that token works just before and at its end. */
  async function lifetimeOf(options: SimOptions): Promise<{ expiresIn: unknown; justBefore: number; atTheEnd: number }> {
    const clock = manualClock();
    const sim = await start({ ...options, now: clock.now });
    const response = await postToken(sim, { grant_type: 'authorization_code', code: await obtainCode(sim) });
    const body = (await response.json()) as { access_token: string; expires_in: number };
    clock.advance(body.expires_in * 1000 - 1);
    const justBefore = (await getJson(sim, '/user', bearer(body.access_token))).status;
    clock.advance(1);
    const atTheEnd = (await getJson(sim, '/user', bearer(body.access_token))).status;
    return { expiresIn: body.expires_in, justBefore, atTheEnd };
  }

  it.each([
    ['classic', {}, 7200],
    ['bitbucket-today', { bitbucketToday: true }, 3600],
  ])('defaults to the mode’s lifetime (%s: %i s)', async (_, mode, seconds) => {
    expect(await lifetimeOf(mode)).toEqual({ expiresIn: seconds, justBefore: 200, atTheEnd: 401 });
  });

  it.each(MODES)('an explicit value wins over the mode’s default (%s)', async (_, mode) => {
    expect(await lifetimeOf({ ...mode, tokenLifetimeSeconds: 60 })).toEqual({ expiresIn: 60, justBefore: 200, atTheEnd: 401 });
  });

  it.each([
    ['--token-lifetime 60', ['--token-lifetime', '60']],
    ['--bitbucket-today --token-lifetime=60', ['--bitbucket-today', '--token-lifetime=60']],
    ['--token-lifetime 60 --bitbucket-today', ['--token-lifetime', '60', '--bitbucket-today']],
  ])('the command line sets it, whatever the mode and the order: %s', async (_, argv) => {
    expect(await lifetimeOf(fromCli(argv))).toEqual({ expiresIn: 60, justBefore: 200, atTheEnd: 401 });
  });

  it.each([['0'], ['-5'], ['abc'], ['1.5'], ['60s'], ['99999999999999999999']])('refuses --token-lifetime %s, naming the flag', (value) => {
    expect(parseCliArgs(['--token-lifetime', value])).toEqual({
      kind: 'error',
      message: `--token-lifetime must be a positive whole number of seconds, got "${value}"`,
    });
  });

  it('refuses --token-lifetime without a value, and a bad --expired-token-message', () => {
    expect(parseCliArgs(['--token-lifetime'])).toEqual({ kind: 'error', message: '--token-lifetime needs a value' });
    expect(parseCliArgs(['--expired-token-message', 'old'])).toEqual({
      kind: 'error',
      message: '--expired-token-message must be classic or newer, got "old"',
    });
  });
});
