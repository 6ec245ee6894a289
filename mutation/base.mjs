// Settings both mutation runs share. See README "Mutation testing".

/** @param {{ mutate: string[], tests: string, reportDir: string }} run */
export function strykerConfig({ mutate, tests, reportDir }) {
  /** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
  const config = {
    testRunner: 'vitest',
    vitest: { configFile: tests, related: true },
    coverageAnalysis: 'perTest',
    // Mutants that do not type-check are set aside before any test runs (they could not ship).
    checkers: ['typescript'],
    tsconfigFile: 'mutation/tsconfig.json',
    mutate,
    reporters: ['json', 'html', 'progress'],
    jsonReporter: { fileName: `${reportDir}/mutation.json` },
    htmlReporter: { fileName: `${reportDir}/mutation.html` },
    incrementalFile: `${reportDir}/stryker-incremental.json`,
    // Build output and test artefacts are not needed in Stryker's copy of the project.
    ignorePatterns: ['dist', 'dist-*', 'reports', 'test-results', 'playwright-report', 'coverage'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    // A mutant "times out" (and counts as killed) only well past its tests' normal time: on a
    // shared 2-core machine a run can take many times as long without looping for ever.
    timeoutFactor: 3,
    timeoutMS: 30_000,
  };
  return config;
}
