/** Where the end-to-end servers listen (away from the dev server's 3000/3100/3101). */
export const E2E = {
  /** The production build, served by `vite preview`, configured for the simulator below. */
  appOrigin: 'http://localhost:4173',
  clientId: 'e2e-client',
  authPort: 4100,
  apiPort: 4101,
  authorizeUrl: 'http://localhost:4100/site/oauth2/authorize',
  apiUrl: 'http://localhost:4101/2.0',
  /** The dev server in demo mode (`npm start` with no configuration). */
  demoOrigin: 'http://localhost:4174',
  demoAuthPort: 4110,
  demoApiPort: 4111,
  /** The token relay, for the relay tests (started by those tests). */
  relayPort: 4102,
  /** The same app built to sign in through the relay (VITE_BITBUCKET_AUTHORIZE_URL = the relay). */
  relayAppOrigin: 'http://localhost:4175',
} as const;
