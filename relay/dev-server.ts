/**
 * The relay inside Vite's dev server, on the app's own origin: with `BITBUCKET_CLIENT_ID` and
 * `BITBUCKET_CLIENT_SECRET` in `.env`, `npm start` answers `/relay/authorize`, `/relay/callback`,
 * `/relay/token` and `/relay/sign-out` and points the app's sign-in at them. Dev server only: a
 * build gets nothing of it, and the secret never leaves this process.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { loadEnv } from 'vite';
import type { Plugin } from 'vite';
import { readRelayConfig } from './config.ts';
import type { ConfigProblemCode, RelayConfig, RelayEnv } from './config.ts';
import { toWebRequest, writeWebResponse } from './node.ts';
import { createRelay } from './relay.ts';

/** Where the dev server mounts the relay; the OAuth consumer's callback URL is `<origin>/relay/callback`. */
export const DEV_RELAY_PATH = '/relay';

/** Stable codes for what is wrong with the dev server's relay variables. */
export type DevRelayProblemCode = ConfigProblemCode | 'CONFLICT' | 'PUBLIC_SECRET';

/** One thing wrong with the dev server's relay variables. The message never contains a value. */
export interface DevRelayProblem {
  readonly variable: string;
  readonly code: DevRelayProblemCode;
  readonly message: string;
}

/** What the dev server does: no relay, the relay with the app's variables to set, or why it cannot start. */
export type DevRelayPlan =
  | { readonly kind: 'off' }
  | { readonly kind: 'relay'; readonly config: RelayConfig; readonly appEnv: Readonly<Record<string, string>> }
  | { readonly kind: 'invalid'; readonly problems: readonly DevRelayProblem[] };

// A VITE_ variable is compiled into the app and readable by every visitor: one whose name says it
// holds a secret (the consumer's, the relay's, a password, a private key, an API token) is refused.
const PUBLIC_SECRET = /^VITE_\w*(SECRET|PASSWORD|PRIVATE_KEY|API_TOKEN)/;

/**
 * Where the dev server keeps the RELAY_SECRET it made: git-ignored (`.env.*`), refused by Vite's
 * dev server (its `server.fs.deny` covers `.env.*`), and loaded by no Vite mode in practice.
 */
export const DEV_SECRET_FILE = '.env.relay-secret';

/**
 * The RELAY_SECRET the dev server made in an earlier start, kept in `folder`/{@link DEV_SECRET_FILE}
 * (mode 0600), or a new one written there: a restart keeps the sessions it sealed (a new secret
 * would end them all). `newSecret` makes a new one.
 */
export function keptDevSecret(folder: string, newSecret: () => string = () => randomBytes(32).toString('base64url')): string {
  const file = join(folder, DEV_SECRET_FILE);
  if (existsSync(file)) {
    const kept = parseEnv(readFileSync(file, 'utf8')).RELAY_SECRET ?? '';
    // Only the owner may read it, whatever it was left with.
    chmodSync(file, 0o600);
    if (kept.length >= 32) return kept;
  }
  const secret = newSecret();
  writeFileSync(
    file,
    `# RELAY_SECRET of the relay in \`npm start\`, made on its first start and kept so that a restart keeps you signed in.\n# Delete this file to end every session. Never commit it (it is git-ignored).\nRELAY_SECRET=${secret}\n`,
    { mode: 0o600 },
  );
  // The mode of writeFileSync applies only to a new file (and the umask may narrow it): set it in any case.
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Decides, from the environment (`.env` files and the shell), whether the dev server on `origin`
 * runs the relay. Pure: the `RELAY_SECRET` used when none is set comes from `newSecret`.
 */
export function planDevRelay(env: RelayEnv, origin: string, newSecret: () => string): DevRelayPlan {
  const problems: DevRelayProblem[] = [];
  const problem = (variable: string, code: DevRelayProblemCode, message: string) => problems.push({ variable, code, message });
  const has = (variable: string) => (env[variable]?.trim() ?? '') !== '';

  for (const variable of Object.keys(env)
    .filter((name) => PUBLIC_SECRET.test(name) && has(name))
    .sort()) {
    const name = variable.slice('VITE_'.length);
    problem(variable, 'PUBLIC_SECRET', `${variable} would be built into the app for every visitor to read. Name it ${name} (no VITE_).`);
  }
  const id = has('BITBUCKET_CLIENT_ID');
  const secret = has('BITBUCKET_CLIENT_SECRET');
  if (!id && !secret) return problems.length > 0 ? { kind: 'invalid', problems } : { kind: 'off' };

  if (id !== secret) {
    const [missing, present] = id ? ['BITBUCKET_CLIENT_SECRET', 'BITBUCKET_CLIENT_ID'] : ['BITBUCKET_CLIENT_ID', 'BITBUCKET_CLIENT_SECRET'];
    problem(missing, 'MISSING', `${missing} is not set, but ${present} is: the dev server's relay needs the consumer's Key and Secret.`);
  }
  for (const variable of ['VITE_BITBUCKET_CLIENT_ID', 'VITE_BITBUCKET_AUTHORIZE_URL', 'VITE_BITBUCKET_RELAY_URL'].filter(has)) {
    problem(
      variable,
      'CONFLICT',
      `${variable} is set, but so is BITBUCKET_CLIENT_ID: the dev server's relay sets the app's client id, sign-in URL and relay URL itself. ` +
        `Remove ${variable}, or remove BITBUCKET_CLIENT_ID and BITBUCKET_CLIENT_SECRET to run without the relay.`,
    );
  }
  if (problems.length > 0) return { kind: 'invalid', problems };

  const callback = `${origin}/oauth-callback`;
  const result = readRelayConfig({
    BITBUCKET_CLIENT_ID: env.BITBUCKET_CLIENT_ID,
    BITBUCKET_CLIENT_SECRET: env.BITBUCKET_CLIENT_SECRET,
    BITBUCKET_AUTHORIZE_URL: env.BITBUCKET_AUTHORIZE_URL,
    BITBUCKET_TOKEN_URL: env.BITBUCKET_TOKEN_URL,
    // A new one would end every session: the plugin keeps the one it made (keptDevSecret).
    RELAY_SECRET: has('RELAY_SECRET') ? env.RELAY_SECRET : newSecret(),
    RELAY_ALLOWED_CALLBACKS: callback,
  });
  if (!result.ok) return { kind: 'invalid', problems: result.problems };
  return {
    kind: 'relay',
    config: result.config,
    // Sign-in through the relay's /authorize; renewals through its /token, on the app's own origin.
    appEnv: {
      VITE_BITBUCKET_CLIENT_ID: result.config.clientId,
      VITE_BITBUCKET_AUTHORIZE_URL: `${origin}${DEV_RELAY_PATH}/authorize`,
      VITE_BITBUCKET_RELAY_URL: `${origin}${DEV_RELAY_PATH}`,
    },
  };
}

/** The message `npm start` (or, for a secret in a VITE_ variable, `npm run build`) stops with. */
export function formatDevRelayProblems(problems: readonly DevRelayProblem[]): string {
  return [
    'Fix these variables in .env (see README, "Use your own Bitbucket OAuth consumer"):',
    ...problems.map((p) => `  - ${p.message}`),
  ].join('\n');
}

/**
 * The Vite plugin: on `vite` (dev), runs the relay when {@link planDevRelay} says so; on
 * `vite build`, only refuses a secret in a VITE_ variable. List it before the demo plugin: the
 * client id it sets keeps the demo off.
 */
export function devRelay(port: number): Plugin {
  let plan: DevRelayPlan = { kind: 'off' };
  let secretSource = 'RELAY_SECRET as set';
  return {
    name: 'bitbucket-relay-dev',
    apply: (_config, env) => !env.isPreview,
    config(config, env) {
      // envDir false: no .env files, the shell's variables only (loadEnv adds those in any case).
      const envDir = config.envDir === false ? false : resolve(config.root ?? process.cwd(), config.envDir ?? '');
      const origin = `http://localhost:${config.server?.port ?? port}`;
      // A build runs no relay: it needs no secret kept.
      const folder = envDir === false ? resolve(config.root ?? process.cwd()) : envDir;
      const secret =
        env.command === 'build'
          ? () => randomBytes(32).toString('base64url')
          : () => {
              secretSource = `kept in ${join(folder, DEV_SECRET_FILE)}`;
              return keptDevSecret(folder);
            };
      const found = planDevRelay(loadEnv(env.mode, envDir, ''), origin, secret);
      if (env.command === 'build') {
        // A build never runs the relay; it only must not take a secret into the app.
        const leaks = found.kind === 'invalid' ? found.problems.filter((p) => p.code === 'PUBLIC_SECRET') : [];
        if (leaks.length > 0) throw new Error(formatDevRelayProblems(leaks));
        return;
      }
      if (found.kind === 'invalid') throw new Error(formatDevRelayProblems(found.problems));
      plan = found;
      // Vite reads VITE_* from process.env after the config hooks, so the app sees these.
      if (plan.kind === 'relay') Object.assign(process.env, plan.appEnv);
    },
    configureServer(server) {
      if (plan.kind !== 'relay') return;
      const { config } = plan;
      const logger = server.config.logger;
      const relay = createRelay(config, { log: (line) => logger.info(`  relay: ${line}`, { timestamp: true }) });
      const origin = `http://localhost:${server.config.server.port ?? port}`;
      // Mounted on a path, Connect hands the relay the rest of it: /authorize, /callback, /token, /sign-out, /healthcheck.
      server.middlewares.use(DEV_RELAY_PATH, (request, response, next) => {
        void relay(toWebRequest(request, origin))
          .then((answer) => writeWebResponse(answer, response))
          .catch(next);
      });
      logger.info(
        `  Bitbucket sign-in through the relay at ${origin}${DEV_RELAY_PATH}/authorize ` +
          `(OAuth consumer callback URL: ${origin}${DEV_RELAY_PATH}/callback; token endpoint ${config.tokenUrl})`,
      );
      logger.info(
        `  Sessions: POST ${origin}${DEV_RELAY_PATH}/token and ${DEV_RELAY_PATH}/sign-out, for ${origin} only; ` +
          `sessions are sealed with RELAY_SECRET (${secretSource}); a new one ends every session`,
      );
    },
  };
}
