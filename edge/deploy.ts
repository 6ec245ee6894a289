/**
 * `npm run deploy:edge`: builds the app for the Worker's origin (RELAY_PUBLIC_URL in
 * edge/wrangler.jsonc) into dist-edge/ and deploys edge/wrangler.jsonc with the pinned wrangler.
 * Arguments after `--` go to `wrangler deploy`: `npm run deploy:edge -- --dry-run` checks it all
 * offline, with no account.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { isMainModule } from '../relay/node.ts';
import { buildForOneOrigin, CLIENT_ID_AT_THE_RELAY, oneOriginAppEnv } from './one-origin.ts';
import { EDGE_DIR, locateWrangler, OFFLINE_ENV, runWrangler } from './wrangler.ts';

/** The placeholder wrangler.jsonc ships with, until you put your Worker's origin there. */
export const PLACEHOLDER_HOST = 'bitbucket-starter.your-subdomain.workers.dev';

/** The outcome of {@link readPublicOrigin}: the origin the app is built for, or what is wrong. */
export type PublicOriginResult = { readonly ok: true; readonly origin: string } | { readonly ok: false; readonly message: string };

/**
 * The Worker's public origin from wrangler.jsonc's `vars.RELAY_PUBLIC_URL`: https, an origin
 * only, and not the placeholder unless `allowPlaceholder` (a dry run deploys nothing).
 */
export function readPublicOrigin(jsonc: string, allowPlaceholder = false): PublicOriginResult {
  // TypeScript's reader of tsconfig files reads JSON with comments and trailing commas, as wrangler does.
  const parsed = ts.parseConfigFileTextToJson('wrangler.jsonc', jsonc);
  const text = (parsed.config as { vars?: { RELAY_PUBLIC_URL?: unknown } } | undefined)?.vars?.RELAY_PUBLIC_URL;
  const where = 'vars.RELAY_PUBLIC_URL in edge/wrangler.jsonc';
  if (parsed.error !== undefined || typeof text !== 'string') return { ok: false, message: `${where} is not set.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `${where} ("${text}") is not a URL.` };
  }
  if (url.protocol !== 'https:' || url.origin !== text.replace(/\/$/, '')) {
    return { ok: false, message: `${where} ("${text}") must be an https origin only, such as https://${PLACEHOLDER_HOST}.` };
  }
  if (url.host === PLACEHOLDER_HOST && !allowPlaceholder) {
    return {
      ok: false,
      message: `${where} is still the placeholder: put your Worker's origin there (https://bitbucket-starter.<your workers.dev subdomain>.workers.dev, or your domain).`,
    };
  }
  return { ok: true, origin: url.origin };
}

// Run only when executed directly (npm run deploy:edge), not when imported by tests.
if (isMainModule(import.meta.url)) {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const located = locateWrangler();
  const found = readPublicOrigin(readFileSync(join(EDGE_DIR, 'wrangler.jsonc'), 'utf8'), dryRun);
  if (!located.ok || !found.ok) {
    console.error(located.ok ? (found.ok ? '' : found.message) : located.message);
    process.exit(1);
  }
  console.log(`Building the app for ${found.origin} into dist-edge/ …`);
  await buildForOneOrigin(oneOriginAppEnv({ origin: found.origin, clientId: CLIENT_ID_AT_THE_RELAY }), 'dist-edge');
  // A dry run needs no network: keep wrangler off it. A real deploy talks to Cloudflare anyway.
  process.exitCode = await runWrangler(['deploy', ...args], dryRun ? OFFLINE_ENV : {});
}
