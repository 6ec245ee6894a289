#!/usr/bin/env node
// `npm run mutation` and `npm run mutation:ci`: runs Stryker (incrementally: mutants whose code and
// tests did not change keep their last result), then prints the mutation score of every file from
// Stryker's JSON report.
//   npm run mutation                     src/ and relay/ against their tests; report in reports/mutation/
//   npm run mutation:ci                  the security-critical files; fails if any mutant there is not killed
//   npm run mutation -- --mutate src/callback.ts   any other Stryker option is passed on
//   npm run mutation:ci -- --save-baseline          also keeps this run's results in the repository
//
// The CI run starts from a baseline kept in the repository (mutation/baseline-ci.json.gz, Stryker's
// incremental file of the last full run, gzipped): on a fresh clone only the mutants whose code or
// tests changed since are run again, so CI takes minutes rather than the 35 of a full run. Refresh
// the baseline with --save-baseline after changing a security-critical file or its tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const ci = args[0] === '--ci';
const saveBaseline = args.includes('--save-baseline');
const strykerArgs = (ci ? args.slice(1) : args).filter((arg) => arg !== '--save-baseline');
const config = ci ? 'stryker.ci.config.mjs' : 'stryker.config.mjs';
const report = ci ? 'reports/mutation-ci/mutation.json' : 'reports/mutation/mutation.json';
const incremental = ci ? 'reports/mutation-ci/stryker-incremental.json' : 'reports/mutation/stryker-incremental.json';
const BASELINE = 'mutation/baseline-ci.json.gz';

if (ci && !existsSync(incremental) && existsSync(BASELINE)) {
  mkdirSync(dirname(incremental), { recursive: true });
  writeFileSync(incremental, gunzipSync(readFileSync(BASELINE)));
  console.log(`Starting from ${BASELINE}: only mutants whose code or tests changed since are run.`);
}

const started = Date.now();
const run = spawnSync('node_modules/.bin/stryker', ['run', config, '--incremental', ...strykerArgs], { stdio: 'inherit' });
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
if (run.status !== 0 || !existsSync(report)) {
  console.error(`\n✖ Stryker did not finish (exit ${run.status ?? run.signal}); see the output above.`);
  process.exit(1);
}

const { files } = JSON.parse(readFileSync(report, 'utf8'));
const DETECTED = ['Killed', 'Timeout'];
const MISSED = ['Survived', 'NoCoverage'];

/** Counts of the mutants in `mutants` that have a bearing on the score. */
function tally(mutants) {
  const count = (statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count(DETECTED);
  const survived = count(['Survived']);
  const noCoverage = count(['NoCoverage']);
  const valid = detected + survived + noCoverage;
  return {
    detected,
    survived,
    noCoverage,
    ignored: count(['Ignored']),
    score: valid === 0 ? null : (100 * detected) / valid,
  };
}

const percent = (score) => (score === null ? '   n/a' : `${score.toFixed(1).padStart(5)}%`);
const row = (name, t) =>
  `${name.padEnd(34)} ${percent(t.score)} ${String(t.detected).padStart(8)} ${String(t.survived).padStart(8)} ${String(t.noCoverage).padStart(9)} ${String(t.ignored).padStart(8)}`;

const names = Object.keys(files).sort();
console.log(`\nMutation score per file (${report}; HTML beside it):\n`);
console.log(`${'file'.padEnd(34)}  score   killed survived uncovered disabled`);
for (const name of names) console.log(row(name, tally(files[name].mutants)));
const under = (prefix) => names.filter((n) => n.startsWith(prefix)).flatMap((n) => files[n].mutants);
console.log('');
for (const prefix of ['src/', 'relay/']) if (under(prefix).length) console.log(row(`all of ${prefix}`, tally(under(prefix))));
console.log(row('overall', tally(names.flatMap((n) => files[n].mutants))));
console.log(`\nStryker took ${minutes} min.`);

if (ci) {
  const missed = names.flatMap((name) =>
    files[name].mutants
      .filter((m) => MISSED.includes(m.status))
      .map(
        (m) =>
          `  ${name}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`,
      ),
  );
  if (missed.length) {
    console.error(`\n✖ ${missed.length} mutant(s) in the security-critical files were not killed; write a test that fails for each:`);
    console.error(missed.join('\n'));
    process.exit(1);
  }
  console.log('\n✔ Every mutant in the security-critical files was killed.');
  if (saveBaseline) {
    writeFileSync(BASELINE, gzipSync(readFileSync(incremental), { level: 9 }));
    console.log(`Kept as the baseline for the next run: ${BASELINE} (commit it).`);
  }
}
