/**
 * `npm run simulator`: starts the Bitbucket Cloud simulator and prints how to point the app at it.
 */
import { USAGE, parseCliArgs } from './cli-args.ts';
import { DEFAULT_API_TOKEN, DEFAULT_CLIENT, startSimulator } from './index.ts';
import type { SimOptions, Simulator } from './index.ts';
import { expiredMessage } from './api-auth.ts';
import { modeDefaults } from './options.ts';

function banner(sim: Simulator, clientId: string, apiToken: { email: string; token: string }, options: SimOptions): string {
  const today = options.bitbucketToday === true;
  const lifetime = options.tokenLifetimeSeconds ?? modeDefaults(today).tokenLifetimeSeconds;
  const expired = expiredMessage(options.expiredTokenMessage ?? 'classic');
  const workspaces = sim.data.workspaces.map(({ workspace, repositories }) => `${workspace.slug} (${repositories.length})`).join(', ');
  const mode = today
    ? 'Bitbucket Cloud today (--bitbucket-today): no implicit grant; sign in through the relay (docs/relay.md) or with the API token'
    : 'classic: the implicit grant works, as it did until 27 February 2026';
  const tls = sim.certificate
    ? `  TLS          HTTP/2 and HTTP/1.1, self-signed certificate made at start, SHA-256 ${sim.certificate.fingerprint}
               (a browser must be told to accept it; curl needs -k)
`
    : '';
  return `Bitbucket Cloud simulator running
  behaves as   ${mode}
  authorize    ${sim.authorizeUrl}
  token        ${sim.tokenUrl}
  API          ${sim.apiBase}
${tls}  control      ${sim.apiBase.replace(/\/2\.0$/, '')}/__sim/  (simulator only)
  tokens       access tokens live ${lifetime} s; once expired: 401 "${expired}"
  signed in as ${sim.data.user.display_name} (${sim.data.user.nickname})
  API token    curl${sim.certificate ? ' -k' : ''} -u ${apiToken.email}:${apiToken.token} ${sim.apiBase}/user
  workspaces   ${workspaces}

Point the app at it:
  VITE_BITBUCKET_CLIENT_ID=${clientId} VITE_BITBUCKET_AUTHORIZE_URL=${sim.authorizeUrl} VITE_BITBUCKET_API_URL=${sim.apiBase}

Press Ctrl+C to stop.`;
}

async function main(): Promise<void> {
  const request = parseCliArgs(process.argv.slice(2));
  if (request.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (request.kind === 'error') {
    console.error(`simulator: ${request.message}\nRun with --help for the options.`);
    process.exitCode = 2;
    return;
  }

  let sim: Simulator;
  try {
    sim = await startSimulator(request.options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'a port is already in use (try --auth-port / --api-port)' : String(error);
    console.error(`simulator: could not start: ${reason}`);
    process.exitCode = 1;
    return;
  }

  const clientId = request.options.clients?.[0]?.clientId ?? DEFAULT_CLIENT.clientId;
  const apiToken = request.options.apiTokens?.[0] ?? DEFAULT_API_TOKEN;
  console.log(banner(sim, clientId, apiToken, request.options));

  const stop = (signal: string): void => {
    console.log(`\nsimulator: ${signal}, stopping`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('simulator: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main();
