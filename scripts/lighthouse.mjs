#!/usr/bin/env node
// `npm run lighthouse`: builds the app into a temporary folder, serves it with `vite preview`,
// runs Lighthouse 12 (default mobile emulation) on the landing page in Chromium and prints the
// four category scores out of 100, with every audit that did not pass.
//
//   npm run lighthouse                 print the scores (exit 0 unless something crashed)
//   npm run lighthouse -- --strict     also exit 1 when any score is below 100
//
// Environment: CHROME_PATH (default /usr/bin/chromium), LIGHTHOUSE_PORT (default 4180).
// The landing page is loaded signed out; VITE_BITBUCKET_CLIENT_ID is set to a placeholder so the
// page shows the real sign-in control (no simulator, no network beyond localhost).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import chromium from './chromium.json' with { type: 'json' };
import { build, preview } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const chromePath = process.env.CHROME_PATH ?? chromium.path;
const port = Number(process.env.LIGHTHOUSE_PORT ?? 4180);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const CHROME_FLAGS = ['--headless=new', ...chromium.args];

const work = mkdtempSync(join(tmpdir(), 'bitbucket-starter-lighthouse-'));
const outDir = join(work, 'dist');
const reportPath = join(work, 'lighthouse-report.json');

/** @type {import('vite').PreviewServer | undefined} */
let server;
/** @type {import('chrome-launcher').LaunchedChrome | undefined} */
let chrome;
let cleanedUp = false;

async function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  try {
    chrome?.kill();
  } catch {
    // already gone
  }
  await server?.close().catch(() => {});
  rmSync(outDir, { recursive: true, force: true }); // keep the report, drop the build
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main() {
  const started = Date.now();
  // Vite reads VITE_* from process.env before .env files, so this wins over a local .env.
  process.env.VITE_BITBUCKET_CLIENT_ID = process.env.LIGHTHOUSE_CLIENT_ID ?? 'lighthouse';

  console.log(`Building into ${outDir} …`);
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });

  server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { port, strictPort: true, open: false, host: 'localhost' },
  });
  const url = `http://localhost:${port}/`;
  console.log(`Serving the build at ${url}`);

  chrome = await chromeLauncher.launch({ chromePath, chromeFlags: CHROME_FLAGS, logLevel: 'silent' });
  console.log('Running Lighthouse (default mobile emulation) …');
  const result = await lighthouse(url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: CATEGORIES,
  });
  if (!result) throw new Error('Lighthouse returned no result');
  const { lhr } = result;
  writeFileSync(reportPath, typeof result.report === 'string' ? result.report : JSON.stringify(lhr));

  if (lhr.runtimeError) console.error(`\nLighthouse runtime error: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
  for (const warning of lhr.runWarnings ?? []) console.warn(`Lighthouse warning: ${warning}`);

  const browser = /(?:Headless)?Chrome\/[\d.]+/.exec(lhr.environment?.hostUserAgent ?? '')?.[0] ?? 'Chromium';
  console.log(`\nLighthouse ${lhr.lighthouseVersion}, ${browser}, ${lhr.finalDisplayedUrl}`);
  const belowFull = [];
  /** @type {Map<string, string[]>} error message → titles of the audits that could not run */
  const errors = new Map();
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    const score = category?.score == null ? null : Math.round(category.score * 100);
    if (score === null || score < 100) belowFull.push(category?.title ?? id);
    console.log(`${(category?.title ?? id).padEnd(16)} ${score === null ? '  ?' : String(score).padStart(3)} / 100`);
    const { failing, errored } = auditsNotPassed(lhr, category);
    for (const line of failing) console.log(`    ✗ ${line}`);
    for (const { title, message } of errored) errors.set(message, [...(errors.get(message) ?? []), title]);
  }
  for (const [message, titles] of errors) {
    console.log(`\n⚠ ${titles.length} diagnostic audit(s) could not run: ${message}`);
    for (const title of titles) console.log(`    - ${title}`);
  }
  if ([...errors.keys()].some((message) => message.includes('frame_sequence'))) {
    console.log(`  (Lighthouse ${lhr.lighthouseVersion}'s trace engine cannot read this Chromium's trace; audits`);
    console.log('   not marked "counts as 0" have no weight, so the scores above do not depend on them.)');
  }
  if (lhr.audits['robots-txt']?.score === 0 && /unable to download/i.test(lhr.audits['robots-txt'].explanation ?? '')) {
    console.log("\nℹ Lighthouse fetches /robots.txt from inside the page, so the page's Content-Security-Policy");
    console.log("  must allow it: connect-src needs 'self' (scripts/security-headers.ts).");
  }
  console.log(`\nJSON report: ${reportPath}`);
  console.log(`Took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (strict && belowFull.length > 0) {
    console.log(`\n✖ --strict: below 100 in ${belowFull.join(', ')}`);
    return 1;
  }
  return 0;
}

/**
 * The category's audits that did not pass ("title (score 0.5) — value", weight-0 ones marked) and
 * those that could not run (errors), skipping the not-applicable, manual and informative ones.
 */
function auditsNotPassed(lhr, category) {
  const failing = [];
  const errored = [];
  for (const ref of category?.auditRefs ?? []) {
    const audit = lhr.audits[ref.id];
    if (!audit) continue;
    const mode = audit.scoreDisplayMode;
    if (mode === 'notApplicable' || mode === 'manual' || mode === 'informative') continue;
    if (mode === 'error') {
      const message = String(audit.errorMessage ?? 'unknown error').replace(
        /^.*failed with exception: |^Required \w+ gatherer encountered an error: /,
        '',
      );
      errored.push({ title: ref.weight ? `${audit.title} (counts as 0)` : audit.title, message });
      continue;
    }
    if (audit.score === null || audit.score >= 1) continue;
    const value = audit.displayValue ? ` — ${audit.displayValue}` : '';
    const weight = ref.weight ? '' : ', does not count';
    failing.push(`${audit.title} (score ${audit.score}${weight})${value}${explain(audit)}`);
  }
  return { failing, errored };
}

/** A short pointer at what failed: the audit's explanation, or the first few items it lists. */
function explain(audit) {
  if (audit.explanation) return `: ${audit.explanation}`;
  const items = audit.details?.items ?? [];
  const names = items
    .map((item) => item.node?.snippet ?? item.node?.selector ?? item.url ?? item.source?.url ?? item.description)
    .filter((name) => typeof name === 'string' && name !== '');
  if (names.length === 0) return '';
  const shown = names.slice(0, 3).map((name) => (name.length > 90 ? `${name.slice(0, 87)}…` : name));
  return `\n        ${shown.join('\n        ')}${names.length > 3 ? `\n        … and ${names.length - 3} more` : ''}`;
}

let exitCode;
try {
  exitCode = await main();
} catch (error) {
  console.error(`\n✖ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);
