// ESLint: the recommended JavaScript and TypeScript rules, and one environment per target (as the
// TypeScript programs are split: tsconfig.app.json, tsconfig.relay.json, tsconfig.node.json).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node's globals, named so that a browser or Worker file that uses one fails the lint. */
const NODE_ONLY_GLOBALS = ['process', 'Buffer', 'global', 'require', 'module', '__dirname', '__filename', 'setImmediate'].map((name) => ({
  name,
  message:
    'A Node global: this code runs in the browser or a Worker (Node only in relay/node.ts, relay/workerd.ts, relay/dev-server.ts, sim/, scripts/, tests/).',
}));
const NO_NODE_IMPORTS = {
  patterns: [
    {
      group: ['node:*'],
      message: 'Node modules are for the Node targets only (relay/node.ts, relay/workerd.ts, relay/dev-server.ts, sim/, scripts/, tests/).',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/',
      'dist-*/',
      '**/.wrangler/',
      'coverage/',
      'test-results/',
      'playwright-report/',
      'node_modules/',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused arguments named with a leading underscore are intentional (callbacks' shapes).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Node: the simulator, scripts, tests, configuration files and the relay's Node adapter. The DOM
  // tests and the end-to-end tests also see the browser's globals.
  {
    files: [
      'sim/**',
      'scripts/**',
      'tests/**',
      'packages/*/build.mjs',
      'relay/node.ts',
      'relay/workerd.ts',
      'relay/dev-server.ts',
      'edge/*.ts',
      '*.config.{js,ts}',
    ],
    ignores: ['edge/worker.ts', 'edge/edge-worker.ts'],
    languageOptions: { globals: globals.node },
  },
  { files: ['tests/**'], languageOptions: { globals: globals.browser } },
  {
    // The browser app. Views and the app must never put text into the page as HTML.
    files: ['src/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Insert text with textContent; never data as HTML.' },
        { property: 'outerHTML', message: 'Insert text with textContent; never data as HTML.' },
        { property: 'insertAdjacentHTML', message: 'Insert text with textContent; never data as HTML.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'localStorage', message: 'Tokens and data live in sessionStorage only.' },
        ...NODE_ONLY_GLOBALS,
      ],
      'no-restricted-imports': ['error', NO_NODE_IMPORTS],
    },
  },
  {
    // The sign-in core (a package of its own): browser code that imports nothing outside its folder
    // (no dependency, nothing of the app), and reads the page's globals only at its one browser
    // edge, browser.ts; everything else gets them passed in.
    files: ['packages/bitbucket-browser-auth/src/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'location', 'history', 'sessionStorage', 'navigator'].map((name) => ({
          name,
          message: 'Browser globals are read at the core’s one edge (browser.ts) and passed in.',
        })),
        { name: 'localStorage', message: 'Tokens live in sessionStorage (or what the app passes in), never localStorage.' },
        ...NODE_ONLY_GLOBALS,
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'The core imports only its own files (./x.js): no dependency, nothing of the app.' }] },
      ],
      'no-restricted-syntax': ['error', { selector: 'MetaProperty', message: 'import.meta belongs to the app’s build, not to the core.' }],
    },
  },
  {
    files: ['packages/bitbucket-browser-auth/src/browser.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'localStorage', message: 'Tokens live in sessionStorage, never localStorage.' },
        ...NODE_ONLY_GLOBALS,
      ],
    },
  },
  {
    // The relay and the edge Worker: Web-standard Request/Response, as a Worker runs them; Node only in the adapters.
    files: ['relay/**/*.ts', 'edge/worker.ts', 'edge/edge-worker.ts'],
    ignores: ['relay/node.ts', 'relay/workerd.ts', 'relay/dev-server.ts'],
    languageOptions: { globals: globals.worker },
    rules: {
      'no-restricted-globals': ['error', ...NODE_ONLY_GLOBALS],
      'no-restricted-imports': ['error', NO_NODE_IMPORTS],
    },
  },
);
