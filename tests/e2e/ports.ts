/**
 * Where the end-to-end servers listen (away from the dev server's 3000/3100/3101).
 * `E2E_PORT_OFFSET` moves them all, so two runs can share a machine.
 */
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
const port = (base: number) => base + offset;

export const E2E = {
  /** The production build, served by `vite preview`, configured for the simulator below. */
  appOrigin: `http://localhost:${port(4173)}`,
  clientId: 'e2e-client',
  authPort: port(4100),
  apiPort: port(4101),
  authorizeUrl: `http://localhost:${port(4100)}/site/oauth2/authorize`,
  apiUrl: `http://localhost:${port(4101)}/2.0`,
  /** The dev server in demo mode (`npm start` with no configuration). */
  demoOrigin: `http://localhost:${port(4174)}`,
  demoAuthPort: port(4110),
  demoApiPort: port(4111),
  /** The app built for a simulator speaking HTTP/2 (started by the HTTP/2 test). */
  http2AppPort: port(4176),
  /** The token relay, for the relay tests (started by those tests). */
  relayPort: port(4102),
  /** The same app built to sign in through the relay (VITE_BITBUCKET_AUTHORIZE_URL = the relay). */
  relayAppOrigin: `http://localhost:${port(4175)}`,
  /** The dev server with BITBUCKET_CLIENT_ID/SECRET in .env: the relay inside it (started by its tests). */
  devRelayOrigin: `http://localhost:${port(4186)}`,
  devRelayAuthPort: port(4120),
  devRelayApiPort: port(4121),
  /** Sessions that last: the dev server with the relay, before a simulator as Bitbucket today with 20-second tokens. */
  sessionsOrigin: `http://localhost:${port(4188)}`,
  sessionsAuthPort: port(4124),
  sessionsApiPort: port(4125),
  /** A recorder between the relay and the simulator's token endpoint: it keeps the refresh tokens Bitbucket handed out. */
  sessionsTokenPort: port(4126),
  /**
   * The edge Worker (edge/) on wrangler dev, as `npm run preview:edge` runs it on 8787: over http
   * and over https (wrangler's own certificate), each with its own simulator (auth, API).
   */
  edge: {
    http: { port: port(8790), authPort: port(4160), apiPort: port(4161) },
    https: { port: port(8791), authPort: port(4162), apiPort: port(4163) },
  },
  /** The examples' dev servers (examples/vanilla, react, vue); each starts its own simulator on its port + 1 and + 2. */
  examplePorts: { vanilla: port(4130), react: port(4140), vue: port(4150) },
  /** examples/decap-cms (started by its test): the site with Decap CMS, the relay, the simulator's two servers. */
  decapPorts: { site: port(4210), relay: port(4211), auth: port(4212), api: port(4213) },
} as const;
