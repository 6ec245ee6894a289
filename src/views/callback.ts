/** The callback page's view of a refused sign-in, and its words (chosen here: only this page needs them). */
import type { CallbackErrorCode } from 'bitbucket-browser-auth';
import { fromTemplate, part } from '../dom.ts';
import { renderMessage, type Message } from '../messages.ts';

/** Every message of the callback page (oauth-callback.html), one per explanation. */
export type CallbackMessageId =
  | Exclude<CallbackErrorCode, keyof typeof CALLBACK_MESSAGES>
  | (typeof CALLBACK_MESSAGES)[keyof typeof CALLBACK_MESSAGES]
  | 'OAUTH_UNAVAILABLE';

/** Callback errors that share an explanation: the user needs the same words for each. */
const CALLBACK_MESSAGES = {
  STATE_MISSING: 'STATE_INVALID',
  STATE_MISMATCH: 'STATE_INVALID',
  TOKEN_MISSING: 'TOKEN_INVALID',
  TOKEN_TYPE_UNSUPPORTED: 'TOKEN_INVALID',
  EXPIRES_IN_INVALID: 'TOKEN_INVALID',
} as const satisfies Partial<Record<CallbackErrorCode, string>>;

/** The callback page's explanation of a refused sign-in. */
export function callbackMessage(code: CallbackErrorCode, oauthError = ''): Message<CallbackMessageId> {
  // Bitbucket (or the relay) being down is worth its own words: trying again later will work.
  const shared: Partial<Record<CallbackErrorCode, CallbackMessageId>> = CALLBACK_MESSAGES;
  // A code the map leaves out is its own message: CallbackMessageId is built that way.
  const id = /^(temporarily_unavailable|server_error)$/.test(oauthError)
    ? 'OAUTH_UNAVAILABLE'
    : (shared[code] ?? (code as CallbackMessageId));
  return { id, slots: { error: oauthError || 'unknown' } };
}

/** Renders why the sign-in failed, in an alert, with a link back to try again. */
export function renderCallbackFailure(root: HTMLElement, message: Message<CallbackMessageId>, home: string): void {
  const view = fromTemplate('tpl-failure');
  part(view, 'message').append(renderMessage(message));
  part(view, 'home').setAttribute('href', home);
  root.replaceChildren(view);
}
