/**
 * Runs the relay as a Cloudflare Worker. Deploy with wrangler (see relay/wrangler.toml.example
 * and docs/relay.md); the handler is the same one the Node adapter serves.
 */
import { LOOPBACK_HOSTS, readRelayConfig } from './config.ts';
import type { RelayEnv } from './config.ts';
import { createRelay } from './relay.ts';
import { htmlPage } from './responses.ts';

/** The Worker's environment: vars from wrangler.toml and secrets from `wrangler secret put`. */
export type WorkerEnv = Readonly<Record<string, unknown>>;

/** Where the Worker writes its lines; Cloudflare collects console output as the Worker's logs. */
export interface WorkerLog {
  readonly info: (line: string) => void;
  readonly error: (line: string) => void;
}

/** Creates the Worker's `fetch` handler; tests pass their own log, the default export uses console. */
export function createWorker(log: WorkerLog): { fetch(request: Request, env: WorkerEnv): Promise<Response> } {
  return {
    async fetch(request, env) {
      // Configuration is read per request: it is cheap and keeps no state between requests.
      const result = readRelayConfig(stringsOnly(env));
      if (!result.ok) {
        // Names and codes only; the values may be secrets. The page says nothing about the setup.
        return misconfigured(log, result.problems.map((p) => `${p.variable} ${p.code}`).join(', '));
      }
      // Off loopback the Worker is behind Cloudflare's edge (or another proxy): its cookies follow
      // the public URL it is told, never a scheme it would have to guess.
      if (result.config.publicOrigin === undefined && !LOOPBACK_HOSTS.has(new URL(request.url).hostname)) {
        return misconfigured(log, 'RELAY_PUBLIC_URL MISSING (needed unless the Worker serves on loopback)');
      }
      return createRelay(result.config, { log: log.info })(request);
    },
  };
}

function misconfigured(log: WorkerLog, problems: string): Response {
  log.error(`relay misconfigured: ${problems}`);
  return htmlPage(500, {
    title: 'Sign-in is not available',
    message: 'The sign-in relay is not configured correctly. Please try again later.',
    code: 'RELAY_MISCONFIGURED',
  });
}

/** The Worker's entry point, in the module syntax Cloudflare expects. */
export default createWorker({ info: (line) => console.log(line), error: (line) => console.error(line) });

// Bindings (KV, queues, …) can share env with vars; only strings can be configuration.
function stringsOnly(env: WorkerEnv): RelayEnv {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') strings[name] = value;
  }
  return strings;
}
