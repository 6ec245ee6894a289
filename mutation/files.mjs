// What `npm run mutation` mutates, and the narrower set `npm run mutation:ci` holds to zero survivors.

/**
 * Everything in src/ and relay/, except the entry files that only bind browser globals (main.ts,
 * callback-main.ts, browser.ts), type declarations, and relay/workerd.ts: that one starts the
 * workerd binary, which comes from relay/'s own install (`npm ci --prefix relay`), and Stryker's
 * copy of the project has no relay/node_modules.
 */
export const ALL = [
  'src/**/*.ts',
  '!src/main.ts',
  '!src/callback-main.ts',
  '!src/browser.ts',
  '!src/**/*.d.ts',
  'relay/**/*.ts',
  '!relay/workerd.ts',
  '!relay/**/*.d.ts',
  '!**/node_modules/**',
];

/** The files that keep the token and the sign-in safe: no mutant may survive in them. */
export const SECURITY_CRITICAL = [
  'src/callback.ts',
  'src/authorize.ts',
  'src/session.ts',
  'src/bitbucket.ts',
  'src/api-shapes.ts',
  'src/config.ts',
  'relay/relay.ts',
  'relay/signed-state.ts',
  'relay/nonce-cookie.ts',
  'relay/config.ts',
  'relay/token-exchange.ts',
];
