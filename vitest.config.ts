import { defineConfig } from 'vitest/config';

// Separate from vite.config.ts so that the dev server's demo plugin (the simulator) never runs in tests.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    restoreMocks: true,
    // A limit, not a speed claim: the DOM tests render hundreds of rows in jsdom, and a shared
    // 2-core machine under load took over vitest's default 5 s for some of them.
    testTimeout: 30_000,
  },
});
