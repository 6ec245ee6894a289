/**
 * Starts what the end-to-end tests run against: the Bitbucket simulator, a production build of
 * the app configured for it (served by `vite preview`), and the dev server in demo mode.
 */
import { rmSync } from 'node:fs';
import { build, createServer, preview } from 'vite';
import { startSimulator } from '../../sim/index.ts';
import { E2E } from './ports.ts';

const suffix = process.env.E2E_PORT_OFFSET ? `-${process.env.E2E_PORT_OFFSET}` : '';
/** Where global setup builds the app (the budget test reads it). */
export const OUT_DIR = `dist-e2e${suffix}`;
const RELAY_OUT_DIR = `dist-e2e-relay${suffix}`;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const simulator = await startSimulator({
    authPort: E2E.authPort,
    apiPort: E2E.apiPort,
    clients: [{ clientId: E2E.clientId, name: 'Bitbucket starter (e2e)', callbackUrl: `${E2E.appOrigin}/`, secret: 'e2e-secret' }],
  });

  const env = {
    VITE_BITBUCKET_CLIENT_ID: E2E.clientId,
    VITE_BITBUCKET_AUTHORIZE_URL: E2E.authorizeUrl,
    VITE_BITBUCKET_API_URL: E2E.apiUrl,
  };
  Object.assign(process.env, env);
  rmSync(OUT_DIR, { recursive: true, force: true });
  await build({ logLevel: 'warn', build: { outDir: OUT_DIR, emptyOutDir: true } });
  // `app.test` (mapped to 127.0.0.1 in the browser) stands for a host that is not this machine.
  const app = await preview({
    logLevel: 'warn',
    build: { outDir: OUT_DIR },
    preview: { port: Number(new URL(E2E.appOrigin).port), strictPort: true, allowedHosts: ['app.test'] },
  });

  // The same app, unchanged, configured to sign in through the token relay.
  process.env.VITE_BITBUCKET_AUTHORIZE_URL = `http://localhost:${E2E.relayPort}/authorize`;
  rmSync(RELAY_OUT_DIR, { recursive: true, force: true });
  await build({ logLevel: 'warn', build: { outDir: RELAY_OUT_DIR, emptyOutDir: true } });
  const relayApp = await preview({
    logLevel: 'warn',
    build: { outDir: RELAY_OUT_DIR },
    preview: { port: Number(new URL(E2E.relayAppOrigin).port), strictPort: true },
  });

  // Demo mode: the dev server with no client id starts its own simulator.
  for (const key of Object.keys(env)) delete process.env[key];
  process.env.SIMULATOR_AUTH_PORT = String(E2E.demoAuthPort);
  process.env.SIMULATOR_API_PORT = String(E2E.demoApiPort);
  // envDir false: a developer's own .env (a real consumer, say) must not turn the demo off.
  const demo = await createServer({
    logLevel: 'warn',
    envDir: false,
    server: { port: Number(new URL(E2E.demoOrigin).port), strictPort: true },
  });
  await demo.listen();

  return async () => {
    await demo.close();
    await new Promise<void>((resolve) => app.httpServer.close(() => resolve()));
    await new Promise<void>((resolve) => relayApp.httpServer.close(() => resolve()));
    await simulator.close();
  };
}
