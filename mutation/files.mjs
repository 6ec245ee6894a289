// What `npm run mutation` mutates, and the narrower set `npm run mutation:ci` holds to zero survivors.

/**
 * Everything in the core package, src/ and relay/, except the entry files that only bind browser globals (main.ts,
 * callback-main.ts, browser.ts), type declarations, and relay/workerd.ts: that one starts the
 * workerd binary, which comes from relay/'s own install (`npm ci --prefix relay`), and Stryker's
 * copy of the project has no relay/node_modules.
 */
export const ALL = [
  'packages/bitbucket-browser-auth/src/**/*.ts',
  // Re-exports and two constants: nothing to mutate that a test could see.
  '!packages/bitbucket-browser-auth/src/index.ts',
  '!packages/bitbucket-browser-auth/src/endpoints.ts',
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
  // The core (packages/bitbucket-browser-auth): the callback, the state, the session, where the
  // token goes, what a sign-in may return to, the checks of answers, and its browser edge.
  'packages/bitbucket-browser-auth/src/callback.ts',
  'packages/bitbucket-browser-auth/src/authorize.ts',
  'packages/bitbucket-browser-auth/src/session.ts',
  'packages/bitbucket-browser-auth/src/sign-in.ts',
  'packages/bitbucket-browser-auth/src/live-session.ts',
  'packages/bitbucket-browser-auth/src/renewal.ts',
  'packages/bitbucket-browser-auth/src/client.ts',
  'packages/bitbucket-browser-auth/src/api.ts',
  'packages/bitbucket-browser-auth/src/checks.ts',
  'packages/bitbucket-browser-auth/src/return-path.ts',
  'packages/bitbucket-browser-auth/src/random.ts',
  'packages/bitbucket-browser-auth/src/browser.ts',
  // The app's own checks of answers and of its configuration.
  'src/api-shapes.ts',
  'src/config.ts',
  'relay/relay.ts',
  'relay/sealed-state.ts',
  'relay/seal.ts',
  'relay/session-cookie.ts',
  'relay/session-guard.ts',
  'relay/session-routes.ts',
  'relay/renewal-margin.ts',
  'relay/bounded-read.ts',
  'relay/request-body.ts',
  'relay/nonce-cookie.ts',
  'relay/config.ts',
  'relay/token-exchange.ts',
  // Shared by both sign-ins (the app's and Decap CMS's), and Decap CMS's own (issue 23).
  'relay/code-grant.ts',
  'relay/query-params.ts',
  'relay/responses.ts',
  'relay/decap-page.ts',
  'relay/decap-routes.ts',
  'relay/decap-seals.ts',
];
