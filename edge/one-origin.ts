/**
 * The app built for one origin: its sign-in goes to the relay under `/relay` on its own origin,
 * and its callback is `<origin>/oauth-callback` there, as the edge Worker (edge/worker.ts) serves them.
 */
import { resolve } from 'node:path';
import { build } from 'vite';
import { RELAY_PATH } from './edge-worker.ts';

/** The repository's root, where vite.config.ts is. */
const ROOT = resolve(import.meta.dirname, '..');

/**
 * The client id a deployed build carries. The relay ignores the app's and sends Bitbucket its own
 * (the Worker secret BITBUCKET_CLIENT_ID); the app only needs one to offer sign-in.
 */
export const CLIENT_ID_AT_THE_RELAY = 'relay';

/** What the app is built with to sign in (and renew) through the relay on `origin`. */
export function oneOriginAppEnv(options: {
  readonly origin: string;
  readonly clientId: string;
  readonly apiUrl?: string | undefined;
}): Record<string, string> {
  const relay = `${options.origin}${RELAY_PATH}`;
  return {
    VITE_BITBUCKET_CLIENT_ID: options.clientId,
    VITE_BITBUCKET_AUTHORIZE_URL: `${relay}/authorize`,
    // Where the app renews its token (POST /token), once it reads it.
    VITE_BITBUCKET_RELAY_URL: relay,
    ...(options.apiUrl === undefined ? {} : { VITE_BITBUCKET_API_URL: options.apiUrl }),
  };
}

/**
 * Builds the app into `outDir` with `appEnv` over what the `.env` files say (`envDir: false`
 * reads none). Vite reads VITE_* from `process.env`: they are set for the build and put back after.
 */
export async function buildForOneOrigin(
  appEnv: Readonly<Record<string, string>>,
  outDir: string,
  options: { readonly envDir?: false; readonly mode?: string } = {},
): Promise<void> {
  const before = Object.fromEntries(Object.keys(appEnv).map((name) => [name, process.env[name]]));
  Object.assign(process.env, appEnv);
  try {
    await build({
      root: ROOT,
      configFile: resolve(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      ...(options.envDir === false ? { envDir: false } : {}),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      build: { outDir: resolve(ROOT, outDir), emptyOutDir: true },
    });
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
