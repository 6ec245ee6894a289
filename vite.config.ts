import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { defineConfig, loadEnv, type Plugin } from 'vite';
import { contentSecurityPolicy, netlifyHeaders, vercelJson, type ConnectTargets, type PageKind } from './scripts/security-headers.ts';
import { devRelay } from './relay/dev-server.ts';
import { DEFAULT_API_URL } from './packages/bitbucket-browser-auth/src/endpoints.ts';

const PORT = 3000;
/** `bitbucket-browser-auth` (packages/bitbucket-browser-auth) from its TypeScript source, as tsconfig.base.json's `paths` say. */
const CORE_ALIAS = { 'bitbucket-browser-auth': resolve(import.meta.dirname, 'packages/bitbucket-browser-auth/src/index.ts') };
/** The bundled simulator's ports in demo mode (authorization server, API server). */
const DEMO_AUTH_PORT = Number(process.env.SIMULATOR_AUTH_PORT ?? 3100);
const DEMO_API_PORT = Number(process.env.SIMULATOR_API_PORT ?? 3101);

const HEALTH = JSON.stringify({ status: 'ok', app: 'bitbucket-implicit-grant-starter' });

/** `/healthcheck` on the dev server and `vite preview`, and as a static file in the build. */
function healthcheck(): Plugin {
  const answer = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url?.split('?')[0] !== '/healthcheck') return next();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(HEALTH);
  };
  return {
    name: 'healthcheck',
    configureServer: (server) => void server.middlewares.use(answer),
    configurePreviewServer: (server) => void server.middlewares.use(answer),
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'healthcheck', source: HEALTH });
      this.emitFile({ type: 'asset', fileName: 'healthcheck.json', source: HEALTH });
    },
  };
}

/**
 * Demo mode: with no client id configured, the dev server starts the bundled Bitbucket simulator
 * and points the app at it. Dev server only: nothing of the simulator reaches a build.
 */
function demoSimulator(): Plugin {
  let demo = false;
  return {
    name: 'bitbucket-simulator-demo',
    apply: (_config, env) => env.command === 'serve' && !env.isPreview,
    config(config, env) {
      const loaded = loadEnv(env.mode, config.envDir ?? process.cwd(), 'VITE_');
      if (loaded.VITE_BITBUCKET_CLIENT_ID) return;
      demo = true;
      // Vite reads VITE_* from process.env after the config hooks, so the app sees these.
      process.env.VITE_BITBUCKET_CLIENT_ID = 'demo-client';
      process.env.VITE_BITBUCKET_AUTHORIZE_URL = `http://localhost:${DEMO_AUTH_PORT}/site/oauth2/authorize`;
      process.env.VITE_BITBUCKET_API_URL = `http://localhost:${DEMO_API_PORT}/2.0`;
      process.env.VITE_DEMO = 'true';
    },
    async configureServer(server) {
      if (!demo) return;
      const { startSimulator } = await import('./sim/index.ts');
      const port = server.config.server.port ?? PORT;
      const simulator = await startSimulator({
        authPort: DEMO_AUTH_PORT,
        apiPort: DEMO_API_PORT,
        clients: [
          { clientId: 'demo-client', name: 'Bitbucket starter (demo)', callbackUrl: `http://localhost:${port}/`, secret: 'demo-secret' },
        ],
      }).catch((error: unknown) => {
        throw new Error(
          `The demo's Bitbucket simulator could not start on ports ${DEMO_AUTH_PORT} and ${DEMO_API_PORT} (${String(error)}). ` +
            'Stop what uses them, choose others with SIMULATOR_AUTH_PORT and SIMULATOR_API_PORT, or set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET to use a real Bitbucket.',
        );
      });
      server.config.logger.info(
        `  Demo mode: Bitbucket simulator at ${simulator.authOrigin} and ${simulator.apiBase} (set BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET in .env to use real Bitbucket)`,
      );
      server.httpServer?.once('close', () => void simulator.close());
    },
  };
}

/** The Content-Security-Policy as a meta tag in each built page, and header files for static hosts. */
function securityHeaders(apiUrl: ConnectTargets): Plugin {
  let base = '/';
  return {
    name: 'security-headers',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml(html, context) {
      const page: PageKind = context.filename.endsWith('oauth-callback.html') ? 'callback' : 'app';
      return {
        html,
        tags: [
          {
            tag: 'meta',
            attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(apiUrl, page) },
            injectTo: 'head-prepend',
          },
        ],
      };
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: netlifyHeaders(apiUrl, base) });
      this.emitFile({ type: 'asset', fileName: 'vercel.json', source: vercelJson(apiUrl, base) });
    },
  };
}

const PRELOAD_HELPER = '\0vite/preload-helper.js';

/**
 * Vite wraps every dynamic `import()` in a helper that first preloads the imported chunk's
 * dependencies and CSS: about 700 bytes gzipped of first-load JavaScript, even when there is
 * nothing to preload (vitejs/vite#13952). This app's on-demand chunks import only chunks the page
 * has already loaded, and no CSS (styles live in the pages' stylesheets), so the helper is replaced
 * by one that just imports. The build fails if an on-demand chunk ever brings CSS of its own.
 */
function plainDynamicImports(): Plugin {
  return {
    name: 'plain-dynamic-imports',
    apply: 'build',
    enforce: 'pre',
    resolveId: (id) => (id === PRELOAD_HELPER ? id : null),
    load: (id) => (id === PRELOAD_HELPER ? 'export const __vitePreload = (load) => load();' : null),
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk' && chunk.isDynamicEntry && (chunk.viteMetadata?.importedCss.size ?? 0) > 0) {
          this.error(`${chunk.fileName} is loaded on demand with CSS of its own, which the stand-in preload helper would not load.`);
        }
      }
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  return {
    // The app is the core's first user: it imports the package by name, built from its source.
    resolve: { alias: CORE_ALIAS },
    server: { port: PORT, strictPort: true },
    preview: { port: PORT, strictPort: true },
    build: {
      // Every browser the app supports has modulepreload; the polyfill would need connect-src.
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { main: resolve(import.meta.dirname, 'index.html'), callback: resolve(import.meta.dirname, 'oauth-callback.html') },
      },
    },
    // devRelay before demoSimulator: the client id it sets keeps the demo off.
    plugins: [
      healthcheck(),
      devRelay(PORT),
      demoSimulator(),
      plainDynamicImports(),
      // The app connects to the API, and to a relay of its site for renewals (VITE_BITBUCKET_RELAY_URL).
      securityHeaders([
        env.VITE_BITBUCKET_API_URL || DEFAULT_API_URL,
        ...(env.VITE_BITBUCKET_RELAY_URL ? [env.VITE_BITBUCKET_RELAY_URL] : []),
      ]),
    ],
  };
});
