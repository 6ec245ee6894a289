// ESLint: the recommended JavaScript and TypeScript rules, type-aware where it pays.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'coverage/', 'test-results/', 'playwright-report/', 'node_modules/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.browser, ...globals.node } } },
  {
    rules: {
      // Unused arguments named with a leading underscore are intentional (callbacks' shapes).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Views and the app must never put text into the page as HTML.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Insert text with textContent; never data as HTML.' },
        { property: 'outerHTML', message: 'Insert text with textContent; never data as HTML.' },
        { property: 'insertAdjacentHTML', message: 'Insert text with textContent; never data as HTML.' },
      ],
      'no-restricted-globals': ['error', { name: 'localStorage', message: 'Tokens and data live in sessionStorage only.' }],
    },
  },
);
