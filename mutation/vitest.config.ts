// The tests Stryker runs: those that import src/ and relay/ (the simulator's own tests and the
// browser tests do not). Stryker's vitest runner then keeps, for each mutated file, only the test
// files that reach it (`related`), and for each mutant only the tests that cover it (`perTest`).
// Narrowed here, not with Stryker's `testFiles`: on Stryker 9 that option turns mutants of
// module-level constants on after the modules have loaded, so they could never be killed.
import { defineConfig } from 'vitest/config';
import base from '../vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    setupFiles: ['mutation/fast-check-setup.ts'],
    // A loaded machine can make a jsdom test take seconds; Stryker's own timeout catches endless loops.
    testTimeout: 60_000,
    // workerd.test.ts starts workerd from relay/node_modules, which Stryker's copy does not have.
    exclude: ['tests/relay/workerd.test.ts'],
    include: ['tests/core/**/*.test.ts', 'tests/unit/**/*.test.ts', 'tests/dom/**/*.test.ts', 'tests/relay/**/*.test.ts'],
  },
});
