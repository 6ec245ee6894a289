/**
 * The relay's side of the authorization-code grant, shared by both kinds of sign-in (the app's,
 * relay/relay.ts, and Decap CMS's, relay/decap-routes.ts): the redirect to Bitbucket with a sealed
 * state and the nonce cookie, what Bitbucket's return to /callback comes to (its error passed on,
 * or the code traded for tokens), and spending the code of a callback the relay refuses.
 */
import type { RelayConfig } from './config.ts';
import { bytesToBase64Url } from './encoding.ts';
import { hashNonce, setNonceCookie } from './nonce-cookie.ts';
import type { NonceCookieOptions } from './nonce-cookie.ts';
import { OAUTH_ERROR_TEXT, readParam } from './query-params.ts';
import { redirect } from './responses.ts';
import { DEFAULT_STATE_LIFETIME_MS } from './sealed-state.ts';
import { exchangeCode } from './token-exchange.ts';
import type { AccessToken, TokenCallDeps, TokenRequestOptions } from './token-exchange.ts';

/** What Bitbucket's return to /callback came to: the tokens (and when they were issued, in ms), or an OAuth error. */
export type CallbackOutcome =
  | { readonly ok: true; readonly token: AccessToken; readonly issuedAt: number }
  | { readonly ok: false; readonly error: string; readonly errorDescription: string };

/** What {@link redeemCallback} needs from outside. */
export interface RedeemDeps extends TokenCallDeps {
  readonly now: () => number;
  /** Receives one line per outcome; never given codes or tokens. */
  readonly log: (line: string) => void;
}

const NONCE_BYTES = 32;

/**
 * Sends the browser to Bitbucket's authorize endpoint with a state that `sealState` makes from the
 * hash of a new nonce, and the nonce in a cookie; undefined when the state would be too long.
 */
export async function startCodeGrant(
  config: RelayConfig,
  randomBytes: (length: number) => Uint8Array,
  cookie: NonceCookieOptions,
  sealState: (nonceHash: string) => Promise<string | undefined>,
): Promise<Response | undefined> {
  const nonce = bytesToBase64Url(randomBytes(NONCE_BYTES));
  const state = await sealState(await hashNonce(nonce));
  if (state === undefined) return undefined;

  const bitbucket = new URL(config.authorizeUrl);
  bitbucket.searchParams.set('client_id', config.clientId);
  bitbucket.searchParams.set('response_type', 'code');
  bitbucket.searchParams.set('state', state);
  // Without redirect_uri Bitbucket uses the consumer's registered callback (this relay's /callback).
  if (config.callbackUrl !== undefined) bitbucket.searchParams.set('redirect_uri', config.callbackUrl);

  const cookieMaxAge = Math.ceil(DEFAULT_STATE_LIFETIME_MS / 1000);
  return redirect(bitbucket.href, [['set-cookie', setNonceCookie(nonce, cookieMaxAge, cookie)]]);
}

/**
 * Reads Bitbucket's return to /callback (its state already checked): passes on its error, if it
 * is well-formed, or trades its one code for tokens. `step` names the route in the log lines.
 */
export async function redeemCallback(
  params: URLSearchParams,
  config: RelayConfig,
  deps: RedeemDeps,
  step: string,
): Promise<CallbackOutcome> {
  // Bitbucket said no (the user pressed Cancel, …): pass its error on if it is well-formed.
  const error = readParam(params, 'error');
  if (error.status !== 'missing') {
    const description = readParam(params, 'error_description');
    const errorCode = error.status === 'present' && OAUTH_ERROR_TEXT.test(error.value) ? error.value : 'server_error';
    deps.log(`${step}: Bitbucket answered with an error (${/^[a-z_]{1,40}$/.test(errorCode) ? errorCode : 'other'})`);
    return {
      ok: false,
      error: errorCode,
      errorDescription:
        description.status === 'present' && OAUTH_ERROR_TEXT.test(description.value)
          ? description.value
          : 'Bitbucket did not complete the sign-in.',
    };
  }

  const code = readParam(params, 'code');
  if (code.status !== 'present') {
    deps.log(`${step}: Bitbucket answered without a single code`);
    return { ok: false, error: 'server_error', errorDescription: "Bitbucket's answer could not be understood." };
  }

  const issuedAt = deps.now();
  const result = await exchangeCode(codeRequest(config, code.value), deps);
  if (!result.ok) {
    deps.log(`${step}: token exchange failed (${result.failure.code})`);
    return { ok: false, error: result.failure.error, errorDescription: result.failure.errorDescription };
  }
  return { ok: true, token: result.token, issuedAt };
}

/** The request that trades `code` for tokens, as this relay's consumer. */
function codeRequest(config: RelayConfig, code: string): TokenRequestOptions {
  return {
    tokenUrl: config.tokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    code,
    redirectUri: config.callbackUrl,
  };
}

/**
 * Redeems the code of a refused callback and throws the tokens away: never logged, never
 * returned. Only a callback with exactly one `code`, as Bitbucket sends it: one request with many
 * codes must not make the relay call the token endpoint many times in the consumer's name. Whatever
 * happens here (a failure, a timeout) leaves the refusal as it is; `step` names the route in the
 * log line.
 */
export async function spendCodes(
  params: URLSearchParams,
  config: RelayConfig,
  deps: TokenCallDeps,
  log: (line: string) => void,
  step: string,
): Promise<void> {
  const code = readParam(params, 'code');
  if (code.status !== 'present') {
    if (code.status === 'repeated') log(`${step}: the refused callback repeats its code, so none was spent`);
    return;
  }
  // exchangeCode never throws: a failure comes back as a value, and is only logged.
  const result = await exchangeCode(codeRequest(config, code.value), deps);
  log(`${step}: the refused callback's code ${result.ok ? 'was spent' : `could not be spent (${result.failure.code})`}`);
}
