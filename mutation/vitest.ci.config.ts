// The tests `npm run mutation:ci` runs against the security-critical files: their own unit tests
// (tests/unit, tests/relay) and the callback page's; not the whole app's DOM tests, whose every
// test loads a page into jsdom (far too slow to run per mutant within CI's time).
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
    // node-limits.test.ts checks relay/node.ts's socket timers (not a file of this run) with the real
    // clock: 15 s that every mutant of a module constant in relay/relay.ts would wait through.
    exclude: ['tests/relay/workerd.test.ts', 'tests/relay/node-limits.test.ts'],
    include: ['tests/core/**/*.test.ts', 'tests/unit/**/*.test.ts', 'tests/relay/**/*.test.ts', 'tests/dom/callback.test.ts'],
  },
});
