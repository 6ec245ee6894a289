/**
 * The simulator's control endpoint (`/__sim/*`) against a page on another origin: it must not
 * read the request log, nor change the simulator, nor mint tokens.
 */
import { fingerprint } from '../../sim/index.ts';
import { E2E } from './ports.ts';
import { expect, loadedStatus, signIn, storedToken, test } from './fixtures.ts';

const CONTROL = `http://localhost:${E2E.apiPort}/__sim`;
// `app.test` maps to 127.0.0.1 in the browser (playwright.config.ts): a site that is not the app.
const ELSEWHERE = `http://app.test:${new URL(E2E.appOrigin).port}/robots.txt`;

test('a page on another origin can neither read the request log nor configure the simulator nor mint a token', async ({ page, sim }) => {
  await signIn(page);
  const token = await storedToken(page);
  expect(token).not.toBe('');

  await page.goto(ELSEWHERE);
  const outcome = await page.evaluate(
    async ({ control, token }) => {
      const attempt = async (run: () => Promise<Response>) => {
        try {
          const response = await run();
          const text = await response.text();
          return `read: ${response.status}, ${text.length} characters${text.includes(token) ? ', the token among them' : ''}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      };
      return {
        // A CORS read of the log, and of a fresh token.
        log: await attempt(() => fetch(`${control}/requests`)),
        token: await attempt(() => fetch(`${control}/tokens`, { method: 'POST' })),
        // A "simple" request: no preflight, so the server acts on it even if the page cannot read the answer.
        configure: await attempt(() =>
          fetch(`${control}/configure`, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'Content-Type': 'text/plain' },
            body: JSON.stringify({ faults: [{ path: '/user', kind: 'status', status: 503 }] }),
          }),
        ),
        preflighted: await attempt(() =>
          fetch(`${control}/expire-all`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
        ),
      };
    },
    { control: CONTROL, token },
  );
  // Nothing changed: no fault was set, no token was expired.
  const user = await fetch(`${E2E.apiUrl}/user`, { headers: { Authorization: `Bearer ${token}` } });
  expect(outcome.log).toMatch(/^blocked/);
  expect(outcome.token).toMatch(/^blocked/);
  expect(outcome.preflighted).toMatch(/^blocked/);
  expect(user.status).toBe(200);

  // The server itself refuses them (not only the browser's CORS check): 403, and no CORS header.
  for (const [method, path] of [
    ['GET', 'requests'],
    ['POST', 'configure'],
    ['POST', 'tokens'],
    ['OPTIONS', 'configure'],
  ] as const) {
    const response = await fetch(`${CONTROL}/${path}`, { method, headers: { Origin: 'http://app.test' } });
    expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 403`);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  }
  // Tools and tests (no Origin) still drive it.
  expect((await sim.requests()).length).toBeGreaterThan(0);
});

test('the request log keeps a credential only as its scheme and a short fingerprint', async ({ page, sim }) => {
  await signIn(page);
  await loadedStatus(page);
  const token = await storedToken(page);
  const log = await sim.requests();
  expect(JSON.stringify(log).includes(token), 'the token is in the request log').toBe(false);
  const api = log.filter((request) => request.server === 'api' && request.method === 'GET');
  expect(api.length).toBeGreaterThan(0);
  for (const request of api) expect(request.headers['authorization']).toBe(`Bearer ${fingerprint(token)}`);
});
