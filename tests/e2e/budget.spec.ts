/**
 * The JavaScript budgets, on the production build global setup made: the landing page's first
 * load, and what loads on demand. Both print their headroom, so a change shows what it costs.
 */
import { expect, test } from '@playwright/test';
import {
  FIRST_LOAD_BUDGET_GZIP_BYTES,
  firstLoadJavaScript,
  ON_DEMAND_BUDGET_GZIP_BYTES,
  onDemandJavaScript,
  SIGNED_IN_BUDGET_GZIP_BYTES,
  signedInJavaScript,
} from '../../scripts/js-size.ts';
import { OUT_DIR } from './global-setup.ts';

const report = (what: string, gzip: number, budget: number, files: number) =>
  console.log(`JS budget, ${what}: ${gzip} of ${budget} bytes gzipped in ${files} file(s), ${budget - gzip} bytes of headroom`);

test('the landing page loads at most 10 kB of JavaScript (gzipped) at first', () => {
  const size = firstLoadJavaScript(OUT_DIR, 'index.html');
  report('landing page first load', size.gzip, FIRST_LOAD_BUDGET_GZIP_BYTES, size.files.length);
  expect(size.files.length).toBeGreaterThanOrEqual(1);
  expect(size.gzip).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_GZIP_BYTES);
});

test('the callback page loads at most 10 kB of JavaScript (gzipped)', () => {
  const size = firstLoadJavaScript(OUT_DIR, 'oauth-callback.html');
  report('callback page', size.gzip, FIRST_LOAD_BUDGET_GZIP_BYTES, size.files.length);
  expect(size.files.length).toBeGreaterThanOrEqual(1);
  expect(size.gzip).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_GZIP_BYTES);
});

test('the signed-in view loads on demand, with a budget of its own', () => {
  const size = signedInJavaScript(OUT_DIR);
  report('signed-in view (loaded when there is a session)', size.gzip, SIGNED_IN_BUDGET_GZIP_BYTES, size.files.length);
  const landing = firstLoadJavaScript(OUT_DIR, 'index.html');
  console.log(`JS, the app page signed in: ${landing.gzip + size.gzip} bytes gzipped (first load and the signed-in view)`);
  // One chunk, and not one the landing page loads at first.
  expect(size.files).toHaveLength(1);
  expect(landing.files).not.toContain(size.files[0]);
  expect(size.gzip).toBeLessThanOrEqual(SIGNED_IN_BUDGET_GZIP_BYTES);
});

test('what loads on demand has a budget of its own', () => {
  const size = onDemandJavaScript(OUT_DIR, ['index.html', 'oauth-callback.html']);
  report(`loaded on demand (${size.files.join(', ') || 'nothing yet'})`, size.gzip, ON_DEMAND_BUDGET_GZIP_BYTES, size.files.length);
  expect(size.gzip).toBeLessThanOrEqual(ON_DEMAND_BUDGET_GZIP_BYTES);
});
