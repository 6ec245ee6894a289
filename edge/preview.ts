/**
 * `npm run preview:edge`: the app built for one origin and served with its relay by the edge
 * Worker on this machine (wrangler dev, on workerd), at http://localhost:8787. It reads the same
 * `.env` as `npm start`: with the consumer's Key and Secret there, the relay signs in to Bitbucket;
 * without them, to the simulator, as Bitbucket behaves today. `--https` serves it over https.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadEnv } from 'vite';
import type { RelayConfig, RelayEnv } from '../relay/config.ts';
import { formatDevRelayProblems, keptDevSecret, planDevRelay } from '../relay/dev-server.ts';
import { isMainModule } from '../relay/node.ts';
import { workerEnvironment } from '../relay/workerd.ts';
import { startSimulator } from '../sim/index.ts';
import type { Simulator } from '../sim/index.ts';
import { buildForOneOrigin, oneOriginAppEnv } from './one-origin.ts';
import { locateWrangler, startEdgeWorker, WRANGLER_VERSION } from './wrangler.ts';
import { RELAY_PATH } from './edge-worker.ts';

/** Where `npm run preview:edge` listens: wrangler's own default port. */
export const EDGE_PREVIEW_PORT = 8787;

/** Where the preview builds the app (git-ignored, like every dist-*). */
export const EDGE_PREVIEW_OUT_DIR = 'dist-edge';

/** The simulator's consumer for the preview, whose callback URL is the relay's on the preview's origin. */
export const PREVIEW_CLIENT = {
  clientId: 'edge-preview',
  name: 'Bitbucket starter (edge preview)',
  secret: 'edge-preview-secret',
} as const;

/** Options for {@link startEdgePreview}. */
export interface EdgePreviewOptions {
  readonly port: number;
  readonly protocol: 'http' | 'https';
  /** The environment: `.env` and the shell, as `npm start` reads them. */
  readonly env: RelayEnv;
  /** Where to build the app. */
  readonly outDir: string;
  /** false: read no `.env` file for the app's build (tests). */
  readonly envDir?: false;
  /**
   * The RELAY_SECRET for your consumer when `.env` sets none; a fresh one each start by default
   * (every session then ends with the preview). The simulator's sessions end with it in any case.
   */
  readonly relaySecret?: () => string;
  /** The simulator's ports when it runs; 0 (the default) picks free ones. */
  readonly simulatorPorts?: { readonly auth: number; readonly api: number };
  readonly log?: (line: string) => void;
}

/** A running preview. */
export interface EdgePreview {
  /** The app's origin, e.g. `http://localhost:8787`. */
  readonly url: string;
  /** The OAuth consumer's callback URL there. */
  readonly callbackUrl: string;
  /** The simulator, when no consumer is configured. */
  readonly simulator: Simulator | undefined;
  close(): Promise<void>;
}

/** Builds the app for the preview's origin and starts the Worker (and, without a consumer, the simulator). */
export async function startEdgePreview(options: EdgePreviewOptions): Promise<EdgePreview> {
  const origin = `${options.protocol}://localhost:${options.port}`;
  const callbackUrl = `${origin}${RELAY_PATH}/callback`;
  const secret = () => randomBytes(32).toString('base64url');
  // The dev server's rules: a Key and Secret make the relay; half a setup, or a VITE_ secret, stops here.
  const plan = planDevRelay(options.env, origin, options.relaySecret ?? secret);
  if (plan.kind === 'invalid') throw new Error(formatDevRelayProblems(plan.problems));

  let simulator: Simulator | undefined;
  let config: RelayConfig;
  let apiUrl = options.env.VITE_BITBUCKET_API_URL;
  if (plan.kind === 'relay') {
    config = plan.config;
  } else {
    // Served as 127.0.0.1, another site than localhost: the way back to /relay/callback crosses
    // sites as it does from bitbucket.org, so the cookies are tested as they will be deployed.
    simulator = await startSimulator({
      host: '127.0.0.1',
      publicHost: '127.0.0.1',
      authPort: options.simulatorPorts?.auth ?? 0,
      apiPort: options.simulatorPorts?.api ?? 0,
      bitbucketToday: true,
      clients: [{ ...PREVIEW_CLIENT, callbackUrl }],
    });
    const found = planDevRelay(
      {
        BITBUCKET_CLIENT_ID: PREVIEW_CLIENT.clientId,
        BITBUCKET_CLIENT_SECRET: PREVIEW_CLIENT.secret,
        BITBUCKET_AUTHORIZE_URL: simulator.authorizeUrl,
        BITBUCKET_TOKEN_URL: simulator.tokenUrl,
      },
      origin,
      secret,
    );
    if (found.kind !== 'relay') throw new Error(`The preview's relay configuration was refused: ${JSON.stringify(found)}`);
    config = found.config;
    apiUrl = simulator.apiBase;
  }

  try {
    await buildForOneOrigin(oneOriginAppEnv({ origin, clientId: config.clientId, apiUrl }), options.outDir, {
      ...(options.envDir === false ? { envDir: false } : {}),
    });
    const variables = Object.fromEntries(
      Object.entries({ ...workerEnvironment(config), RELAY_PUBLIC_URL: origin }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const worker = await startEdgeWorker({
      port: options.port,
      protocol: options.protocol,
      assetsDir: resolve(import.meta.dirname, '..', options.outDir),
      variables,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    return {
      url: origin,
      callbackUrl,
      simulator,
      close: async () => {
        await worker.close();
        await simulator?.close();
      },
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}

/** What `npm run preview:edge` prints once the Worker answers. */
export function previewMessage(preview: EdgePreview): string {
  const lines = [
    `Edge preview: the app and its relay on one origin, one Worker on workerd (wrangler ${WRANGLER_VERSION})`,
    `  App:                          ${preview.url}`,
    `  OAuth consumer callback URL:  ${preview.callbackUrl}`,
  ];
  if (preview.simulator === undefined) lines.push(`  Bitbucket: your consumer (BITBUCKET_CLIENT_ID in .env)`);
  else {
    lines.push(
      `  Bitbucket: the simulator, as Bitbucket behaves today (${preview.simulator.authOrigin}, API ${preview.simulator.apiBase})`,
      '  For your own consumer: put BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET in .env (its callback URL above).',
    );
  }
  return lines.join('\n');
}

// Run only when executed directly (npm run preview:edge), not when imported by tests.
if (isMainModule(import.meta.url)) {
  const located = locateWrangler();
  if (!located.ok) {
    console.error(located.message);
    process.exit(1);
  }
  const protocol = process.argv.includes('--https') ? 'https' : 'http';
  try {
    const preview = await startEdgePreview({
      port: EDGE_PREVIEW_PORT,
      protocol,
      // Exactly what the dev server reads: .env, .env.local, .env.development, …, under the shell's variables.
      env: loadEnv('development', resolve(import.meta.dirname, '..'), ''),
      outDir: EDGE_PREVIEW_OUT_DIR,
      // The one `npm start` keeps too (.env.relay-secret): a restart keeps your consumer's sessions.
      relaySecret: () => keptDevSecret(resolve(import.meta.dirname, '..')),
      log: (line) => console.log(`  wrangler: ${line}`),
    });
    console.log(`\n${previewMessage(preview)}\n`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void preview.close());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
