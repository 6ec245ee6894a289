/**
 * What the browser itself keeps (docs/security.md, threat 3): Chromium records the callback URL,
 * token included, in the profile's History database, although the callback page replaces it at
 * once. A fact about Chromium, not about the app: if a Chromium release stops doing it, this test
 * says so and the docs can be relaxed. It reads History with the `sqlite3` command, and is skipped
 * where there is none.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import settings from '../../scripts/chromium.json' with { type: 'json' };
import { E2E } from './ports.ts';
import { expect, signIn, storedToken, test } from './fixtures.ts';

const hasSqlite = spawnSync('sqlite3', ['-version']).status === 0;

test('Chromium keeps /oauth-callback#access_token=… in the profile History, even after the page replaced it and the user signed out', async () => {
  test.skip(!hasSqlite, 'needs the sqlite3 command (apt-get install sqlite3) to read the History database');
  const profile = mkdtempSync(join(tmpdir(), 'history-profile-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROME_PATH ?? settings.path,
      args: ['--headless', ...settings.args],
      baseURL: E2E.appOrigin,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await signIn(page);
    const token = await storedToken(page);
    expect(token).not.toBe('');
    // The address bar and the tab's own history hold no token (tests/e2e/flow.spec.ts)…
    expect(page.url()).not.toContain(token);
    await page.getByRole('button', { name: /sign out/i }).click();
    await context.close();

    // …but the browser's record of visited pages does.
    const visited = execFileSync('sqlite3', [join(profile, 'Default', 'History'), 'SELECT url FROM urls'])
      .toString()
      .split('\n');
    const callbacks = visited.filter((url) => url.startsWith(`${E2E.appOrigin}/oauth-callback#`));
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]).toContain(`access_token=${token}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
