/**
 * `npm run start:today`: the app as it signs in to Bitbucket Cloud today, on this machine with no
 * account and no `.env`. The simulator plays Bitbucket in `--bitbucket-today` mode (the code grant
 * only, refresh tokens that rotate), served as 127.0.0.1 so that Bitbucket and the app
 * (http://localhost:3000) are different sites, as they are for real; the dev server runs the relay
 * in front of it at /relay/*, with sessions. `SIMULATOR_TOKEN_LIFETIME` (seconds) shortens the
 * access tokens so renewals can be watched: 60 shows one a minute.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import { startSimulator } from '../sim/index.ts';
import type { Simulator } from '../sim/index.ts';

/** What `npm run start:today` runs with, read from its environment. */
export interface TodayOptions {
  /** The dev server's port (PORT, default 3000): the relay allows the app's callback on it. */
  readonly port: number;
  /** The simulator's ports (SIMULATOR_AUTH_PORT and SIMULATOR_API_PORT, default 3100 and 3101). */
  readonly authPort: number;
  readonly apiPort: number;
  /** The access tokens' lifetime in seconds (SIMULATOR_TOKEN_LIFETIME, default 3600 as on Bitbucket). */
  readonly tokenLifetimeSeconds: number;
}

/** The OAuth consumer the simulator knows the relay by; it exists only in the simulator. */
export const TODAY_CLIENT = { clientId: 'demo-client', secret: 'demo-secret' } as const;

/** The longest SIMULATOR_TOKEN_LIFETIME accepted: a day, as the relay bounds `expires_in`. */
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/** Reads the options from `env`, or says which variable is wrong. */
export function readTodayOptions(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; options: TodayOptions } | { ok: false; message: string } {
  const problems: string[] = [];
  const number = (name: string, fallback: number, min: number, max: number, what: string): number => {
    const text = env[name]?.trim() ?? '';
    if (text === '') return fallback;
    const value = Number(text);
    if (!/^\d{1,6}$/.test(text) || value < min || value > max)
      problems.push(`${name} must be ${what} from ${min} to ${max}, not "${text}".`);
    return value;
  };
  const options: TodayOptions = {
    port: number('PORT', 3000, 1, 65535, 'a port'),
    authPort: number('SIMULATOR_AUTH_PORT', 3100, 0, 65535, 'a port'),
    apiPort: number('SIMULATOR_API_PORT', 3101, 0, 65535, 'a port'),
    tokenLifetimeSeconds: number('SIMULATOR_TOKEN_LIFETIME', 3600, 1, MAX_TOKEN_LIFETIME_SECONDS, 'a number of seconds'),
  };
  return problems.length > 0 ? { ok: false, message: problems.join('\n') } : { ok: true, options };
}

/** A running `start:today`: the app's URL, the simulator, and how to stop both. */
export interface Today {
  readonly appOrigin: string;
  readonly sim: Simulator;
  readonly server: ViteDevServer;
  close(): Promise<void>;
}

/**
 * Starts the simulator, then the dev server with the relay pointed at it. `envDir` false (the
 * default) reads no `.env`: this mode needs none, and a developer's own must not change it.
 */
export async function startToday(
  options: TodayOptions,
  say: (line: string) => void = (line) => console.log(line),
  envDir: string | false = false,
): Promise<Today> {
  say(`start:today: starting the Bitbucket simulator as Bitbucket Cloud behaves today (--bitbucket-today), on 127.0.0.1…`);
  const sim = await startSimulator({
    host: '127.0.0.1',
    // Served and named as 127.0.0.1: Bitbucket on another site than the app, so that the way back
    // to the relay's /callback is a cross-site navigation, as it is from bitbucket.org.
    publicHost: '127.0.0.1',
    authPort: options.authPort,
    apiPort: options.apiPort,
    bitbucketToday: true,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    // Its callback URL is set below, once the dev server's port is known.
    clients: [],
  });

  // What the dev server reads: its relay's consumer and Bitbucket's URLs (devRelay), and the API for the app.
  const set = {
    BITBUCKET_CLIENT_ID: TODAY_CLIENT.clientId,
    BITBUCKET_CLIENT_SECRET: TODAY_CLIENT.secret,
    BITBUCKET_AUTHORIZE_URL: sim.authorizeUrl,
    BITBUCKET_TOKEN_URL: sim.tokenUrl,
    VITE_BITBUCKET_API_URL: sim.apiBase,
    // The app says it is on the simulator.
    VITE_DEMO: 'true',
  };
  // Set by the relay plugin itself: from the shell, they would stop it.
  const cleared = ['VITE_BITBUCKET_CLIENT_ID', 'VITE_BITBUCKET_AUTHORIZE_URL'];
  const previous = Object.fromEntries([...Object.keys(set), ...cleared].map((name) => [name, process.env[name]]));
  const restoreEnv = () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  for (const name of cleared) delete process.env[name];
  Object.assign(process.env, set);

  let server: ViteDevServer;
  try {
    say('start:today: starting the dev server with the token relay at /relay/* (sessions on the app’s own origin)…');
    server = await createServer({
      configFile: resolve(import.meta.dirname, '../vite.config.ts'),
      root: resolve(import.meta.dirname, '..'),
      envDir,
      server: { port: options.port, strictPort: true },
    });
    await server.listen();
  } catch (error) {
    await sim.close();
    restoreEnv();
    throw error;
  }
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const appOrigin = `http://localhost:${port}`;
  sim.configure({
    clients: [
      {
        clientId: TODAY_CLIENT.clientId,
        name: 'Bitbucket starter (start:today)',
        callbackUrl: `${appOrigin}/relay/callback`,
        secret: TODAY_CLIENT.secret,
      },
    ],
  });

  say('');
  say(`  app          ${appOrigin}  (sign in: the relay, then the simulator's consent page)`);
  say(`  relay        ${appOrigin}/relay/authorize, /relay/callback, POST /relay/token, POST /relay/sign-out`);
  say(`  Bitbucket    ${sim.authOrigin} (authorization server, code grant only, rotating refresh tokens), API ${sim.apiBase}`);
  say(
    `  tokens       access tokens live ${options.tokenLifetimeSeconds} s (SIMULATOR_TOKEN_LIFETIME${options.tokenLifetimeSeconds === 3600 ? ', Bitbucket’s hour; 60 shows a renewal a minute' : ''})`,
  );
  say('  .env         not read in this mode; the relay keeps its RELAY_SECRET in .env.relay-secret');
  say('');

  return {
    appOrigin,
    sim,
    server,
    close: async () => {
      await server.close();
      await sim.close();
      restoreEnv();
    },
  };
}

// Run only when executed directly (npm run start:today), not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const read = readTodayOptions(process.env);
  if (!read.ok) {
    console.error(`start:today cannot start:\n${read.message}`);
    process.exitCode = 1;
  } else {
    try {
      const today = await startToday(read.options);
      today.server.printUrls();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          console.log(`\nstart:today: ${signal}, stopping the dev server and the simulator`);
          void today.close().then(() => process.exit(0));
        });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      console.error(
        `start:today could not start: ${code === 'EADDRINUSE' ? 'a port is in use (PORT, SIMULATOR_AUTH_PORT, SIMULATOR_API_PORT choose others)' : String(error)}`,
      );
      process.exitCode = 1;
    }
  }
}
