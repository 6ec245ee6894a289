/**
 * The examples' demo mode, for `npm run dev` only: with no `VITE_BITBUCKET_CLIENT_ID` configured,
 * the dev server starts this repository's Bitbucket simulator and points the example at it, so an
 * example signs in on a fresh clone with no account. Not part of any example's own code, and never
 * in a build: with your own consumer set, it does nothing.
 */
import { loadEnv, type Plugin } from 'vite';
import { startSimulator } from '../sim/index.ts';

export function bitbucketSimulator(): Plugin {
  let demo = false;
  return {
    name: 'bitbucket-simulator-demo',
    apply: (_config, env) => env.command === 'serve' && !env.isPreview,
    config(config, env) {
      if (loadEnv(env.mode, config.envDir ?? process.cwd(), 'VITE_').VITE_BITBUCKET_CLIENT_ID) return;
      demo = true;
      const { auth, api } = ports(config.server?.port ?? 5173);
      // Vite reads VITE_* from process.env after the config hooks, so the example sees these.
      process.env.VITE_BITBUCKET_CLIENT_ID = 'demo-client';
      process.env.VITE_BITBUCKET_AUTHORIZE_URL = `http://localhost:${auth}/site/oauth2/authorize`;
      process.env.VITE_BITBUCKET_API_URL = `http://localhost:${api}/2.0`;
    },
    async configureServer(server) {
      if (!demo) return;
      const port = server.config.server.port ?? 5173;
      const simulator = await startSimulator({
        authPort: ports(port).auth,
        apiPort: ports(port).api,
        clients: [
          {
            clientId: 'demo-client',
            name: 'bitbucket-browser-auth example',
            callbackUrl: `http://localhost:${port}/`,
            secret: 'demo-secret',
          },
        ],
      });
      server.config.logger.info(`  Demo mode: the Bitbucket simulator at ${simulator.authOrigin} and ${simulator.apiBase}`);
      server.httpServer?.once('close', () => void simulator.close());
    },
  };
}

/** The simulator's ports for an example served on `port` (SIMULATOR_AUTH_PORT and SIMULATOR_API_PORT win). */
function ports(port: number) {
  return { auth: Number(process.env.SIMULATOR_AUTH_PORT ?? port + 10), api: Number(process.env.SIMULATOR_API_PORT ?? port + 11) };
}
