import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Separate from vite.config.ts so that the dev server's demo plugin (the simulator) never runs in tests.
export default defineConfig({
  // As vite.config.ts: the app imports the core package by name, from its source.
  resolve: { alias: { 'bitbucket-browser-auth': resolve(import.meta.dirname, 'packages/bitbucket-browser-auth/src/index.ts') } },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    restoreMocks: true,
    // jsdom tests take seconds each when the machine is shared; the default 5 s makes them flaky.
    testTimeout: 30_000,
  },
});
