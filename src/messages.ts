/** What the user is told, chosen by error code. The only place user-facing error text lives. */
import type { ApiError } from './bitbucket.ts';
import type { CallbackErrorCode } from './callback.ts';

export interface Message {
  title: string;
  body: string;
}

/** Atlassian's notice of the end of the implicit grant on Bitbucket Cloud. */
export const IMPLICIT_GRANT_NOTICE_URL =
  'https://community.developer.atlassian.com/t/deprecation-notice-oauth-1-0-and-implicit-grant-flows-for-bitbucket-cloud/97520';

/** The callback page's explanation of a refused sign-in. */
export function callbackMessage(code: CallbackErrorCode, oauthError?: string): Message {
  switch (code) {
    case 'ACCESS_DENIED':
      return { title: 'You did not grant access', body: 'Bitbucket says access was not granted, so you are not signed in. You can try again whenever you like.' };
    case 'GRANT_UNSUPPORTED':
      return {
        title: 'Bitbucket no longer signs in browser apps this way',
        body:
          `Bitbucket answered “${oauthError ?? 'unsupported_response_type'}”. Bitbucket Cloud stopped issuing tokens through the OAuth 2.0 implicit grant on 27 February 2026. ` +
          'To use this app with Bitbucket Cloud today, run the token relay (relay/, see docs/relay.md) and point VITE_BITBUCKET_AUTHORIZE_URL at it, or, on your own machine, sign in with an Atlassian API token.',
      };
    case 'OAUTH_ERROR':
      return { title: 'Bitbucket could not sign you in', body: `Bitbucket answered with the error “${oauthError ?? 'unknown'}”.` };
    case 'NO_RESPONSE':
      return { title: 'There is nothing to sign in with here', body: 'This page receives the answer from Bitbucket after you sign in, but it was opened without one.' };
    case 'NO_PENDING_SIGN_IN':
      return {
        title: 'This sign-in was not started here',
        body: 'No sign-in was waiting in this tab (or it was started more than ten minutes ago, or already used), so the answer was refused. Someone may have sent you a forged link. Start again from the app.',
      };
    case 'STATE_MISSING':
    case 'STATE_MISMATCH':
      return {
        title: 'This sign-in could not be verified',
        body: 'The answer did not carry the one-time code this tab sent to Bitbucket, so it was refused: it may be forged or from an older attempt. Nothing was stored. Start again from the app.',
      };
    case 'REPEATED_PARAMETER':
      return { title: 'The answer from Bitbucket was malformed', body: 'A value appeared twice in it, so it was refused. Nothing was stored.' };
    case 'TOKEN_MISSING':
    case 'TOKEN_INVALID':
    case 'TOKEN_TYPE_UNSUPPORTED':
    case 'EXPIRES_IN_INVALID':
      return { title: 'The answer from Bitbucket was incomplete', body: 'It did not carry a usable access token, so nothing was stored. Try signing in again.' };
  }
}

/** The explanation of a failed API call. */
export function apiMessage(error: ApiError): Message {
  switch (error.code) {
    case 'UNAUTHORIZED':
      return { title: 'Your Bitbucket session has ended', body: 'Bitbucket no longer accepts your sign-in (it expired or was revoked). Sign in again to continue.' };
    case 'FORBIDDEN':
      return {
        title: 'The app is missing a permission',
        body: `Bitbucket refused ${error.path.split('?')[0]}. The OAuth consumer (or API token) needs ${error.path.startsWith('/2.0/repositories') || error.path.includes('/repositories/') ? 'Repositories: Read (read:repository:bitbucket)' : 'Account: Read (read:user:bitbucket and read:workspace:bitbucket)'}. Add it to the consumer in Bitbucket, then sign in again.`,
      };
    case 'ENDPOINT_REMOVED':
      return { title: 'Bitbucket removed this endpoint', body: `Bitbucket answered 410 Gone for ${error.path.split('?')[0]}: it removed this API (CHANGE-2770, April 2026).` };
    case 'NOT_FOUND':
      return { title: 'Not found', body: `Bitbucket has nothing at ${error.path.split('?')[0]}, or you no longer have access to it.` };
    case 'RATE_LIMITED':
      return { title: 'Bitbucket is limiting requests', body: 'Too many requests were made in the last hour. Wait a few minutes, then retry.' };
    case 'SERVER_ERROR':
      return { title: 'Bitbucket is having trouble', body: `Bitbucket answered ${error.status ?? 'an error'} several times. Try again in a moment.` };
    case 'NETWORK':
      return { title: 'Bitbucket could not be reached', body: 'The connection failed several times. Check your connection, then retry.' };
    case 'BAD_RESPONSE':
      return { title: 'Bitbucket sent something unexpected', body: `The answer for ${error.path.split('?')[0]} was not the JSON the app expects, so it was not used.` };
    case 'HTTP_ERROR':
      return { title: 'Bitbucket refused the request', body: `Bitbucket answered ${error.status ?? 'an error'}${error.detail ? `: ${error.detail}` : ''}.` };
    case 'ABORTED':
      return { title: 'Cancelled', body: 'Loading was cancelled.' };
  }
}
