#!/usr/bin/env node
// `npm test`: every gate in one command. Type-checks, runs the unit and DOM tests (vitest), then
// the end-to-end tests in Chromium (Playwright), and prints one closing line "N passed, N failed".
// Without a Chromium it says so and skips only the browser tests, unless CI is set: then a
// missing browser is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ci = Boolean(process.env.CI);
const chrome = process.env.CHROME_PATH ?? JSON.parse(readFileSync(new URL('./chromium.json', import.meta.url), 'utf8')).path;
const out = mkdtempSync(join(tmpdir(), 'bitbucket-starter-test-'));
const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let problems = 0;

function run(label, command, args, env = {}) {
  console.log(`\n▶ ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

// One TypeScript program per target: the sign-in core (its own package), the browser app, the
// relay, and Node (see tsconfig.json).
for (const program of ['packages/bitbucket-browser-auth/tsconfig.json', 'tsconfig.app.json', 'tsconfig.relay.json', 'tsconfig.node.json']) {
  if (run(`types (${program})`, 'node_modules/.bin/tsc', ['-p', program, '--noEmit']) !== 0) problems++;
}

const vitestReport = join(out, 'vitest.json');
const vitestStatus = run('unit and DOM tests', 'node_modules/.bin/vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
  ...extra,
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
}
if (vitestStatus !== 0) problems++;

// The relay's tests on workerd need relay/'s own dependencies (CI installs them; they fail there without).
if (!existsSync(new URL('../relay/node_modules/workerd/package.json', import.meta.url))) {
  console.warn(
    '\n⚠ workerd is not installed: the relay tests on the Workers runtime will be SKIPPED. Install it with: npm ci --prefix relay',
  );
}

// The edge Worker's tests need edge/'s own wrangler (CI installs it; they fail there without).
if (!existsSync(new URL('../edge/node_modules/wrangler/package.json', import.meta.url))) {
  console.warn('\n⚠ wrangler is not installed: the edge Worker tests will be SKIPPED. Install it with: npm ci --prefix edge');
}

if (existsSync(chrome)) {
  const playwrightReport = join(out, 'playwright.json');
  const status = run(
    'end-to-end tests in Chromium',
    'node_modules/.bin/playwright',
    [
      'test',
      '--project=chromium',
      '--project=relay on workerd',
      '--project=edge worker',
      '--project=edge worker (https)',
      '--reporter=list,json',
    ],
    {
      PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
      CHROME_PATH: chrome,
    },
  );
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
  }
  if (status !== 0) problems++;
} else if (ci) {
  console.error(`\n✖ No Chromium at ${chrome}: CI needs it for the end-to-end tests (apt-get install -y chromium, or set CHROME_PATH).`);
  problems++;
} else {
  console.warn(
    `\n⚠ No Chromium at ${chrome}: the end-to-end tests were SKIPPED. Install it (apt-get install -y chromium) or set CHROME_PATH.`,
  );
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(problems > 0 || failed > 0 ? 1 : 0);
