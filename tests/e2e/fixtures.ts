/** Shared end-to-end fixtures: a handle on the simulator's control endpoint, and sign-in steps. */
import { test as base, expect, type Page } from '@playwright/test';
import type { FaultRule, SimOptions, SimRequestRecord } from '../../sim/index.ts';
import { E2E } from './ports.ts';

/** Drives the simulator that global setup started, through its control endpoint. */
export class SimulatorControl {
  constructor(private readonly origin = `http://localhost:${E2E.apiPort}`) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.origin}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`simulator control ${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  configure(patch: Partial<Omit<SimOptions, 'host' | 'authPort' | 'apiPort' | 'publicHost' | 'now'>> & { faults?: FaultRule[] }) {
    return this.call('POST', 'configure', patch);
  }
  reset() {
    return this.call('POST', 'reset');
  }
  async requests(): Promise<SimRequestRecord[]> {
    return (await (await this.call('GET', 'requests')).json()) as SimRequestRecord[];
  }
  clearRequests() {
    return this.call('DELETE', 'requests');
  }
  expireAll() {
    return this.call('POST', 'expire-all');
  }
  revoke(token: string) {
    return this.call('POST', 'revoke', { token });
  }
}

export const test = base.extend<{ sim: SimulatorControl }>({
  // Automatic: every test starts from the simulator's defaults, whether it asks for `sim` or not.
  sim: [
    // Playwright reads a fixture's dependencies from its first parameter, so it must be a pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const sim = new SimulatorControl();
      await sim.reset();
      await sim.clearRequests();
      await use(sim);
    },
    { auto: true },
  ],
});

export { expect };

/** From the landing page through the simulator's consent page, back to the app. */
export async function signIn(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByRole('button', { name: /sign in with bitbucket/i }).click();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/oauth-callback') && !url.href.includes('oauth2'));
}

/** Waits until loading has finished and returns the status text. */
export async function loadedStatus(page: Page): Promise<string> {
  const status = page.getByRole('status');
  await expect(status).toHaveText(/^\d+ (of \d+ )?repositor(y|ies)/);
  return (await status.textContent()) ?? '';
}

/** The token the app keeps in sessionStorage (for assertions about where it travelled). */
export async function storedToken(page: Page): Promise<string> {
  return page.evaluate(
    () => (JSON.parse(sessionStorage.getItem('bitbucket-starter:session') ?? '{}') as { accessToken?: string }).accessToken ?? '',
  );
}

/**
 * The sessionStorage keys the app has left, but the Flow inspector's record of the sign-in: it
 * never holds the token, and is kept on purpose so that a sign-in can be looked into after the
 * redirects (tests/e2e/flow-inspector.spec.ts checks what is in it).
 */
export async function storedKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(sessionStorage).filter((key) => key !== 'bitbucket-starter:flow'));
}
