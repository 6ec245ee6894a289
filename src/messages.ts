/**
 * What the user is told, chosen by code. The words live in the pages' HTML as `<template>`s
 * (`<template id="msg-CODE">`), so they cost no JavaScript and read as plain markup; here the
 * code only picks the template and the values for its `data-slot` placeholders.
 */
import type { SignInResult } from './authorize.ts';
import type { ApiError, ApiErrorCode, RetryNotice } from './bitbucket.ts';
import type { CallbackErrorCode } from './callback.ts';
import { fromTemplate } from './dom.ts';
import type { Bounds, LimitCode } from './paginate.ts';

/**
 * Every message of the app's page (index.html has a `<template id="msg-ID">` for each; a unit
 * test checks both ways).
 */
export type AppMessageId =
  | ApiErrorCode
  | LimitCode
  | `RETRY_${RetryNotice['reason']}`
  | Extract<SignInResult, { ok: false }>['code']
  | 'BAD_URL'
  | 'SIGNED_OUT'
  | 'SIGNED_OUT_ELSEWHERE'
  | 'SESSION_EXPIRED'
  | 'API_TOKEN_REJECTED'
  | 'REFRESHING'
  | 'UNEXPECTED';

/** Every message of the callback page (oauth-callback.html), one per explanation. */
export type CallbackMessageId =
  | Exclude<CallbackErrorCode, keyof typeof CALLBACK_MESSAGES>
  | (typeof CALLBACK_MESSAGES)[keyof typeof CALLBACK_MESSAGES]
  | 'OAUTH_UNAVAILABLE';

/** A message: which template, and the text for each of its slots. */
export interface Message<Id extends AppMessageId | CallbackMessageId = AppMessageId> {
  id: Id;
  slots?: Record<string, string>;
}

/** Something to tell the user: an alert (a problem) or plain information. */
export interface Notice {
  kind: 'alert' | 'info';
  message: Message;
}

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

/** The explanation of a failed API call; each template uses the slots it needs. */
export function apiMessage(error: ApiError): Message {
  const path = error.path.split('?')[0] ?? error.path;
  // A refusal names what the call declared it needs (see src/api.ts).
  const slots = { path, status: String(error.status ?? ''), detail: error.detail ?? '' };
  return { id: error.code, slots: error.needs ? { ...slots, permission: error.needs.oauth, scope: error.needs.apiToken } : slots };
}

/** Where and why loading stopped at a bound: in one workspace, or (null) across the whole load. */
export function limitMessage(code: LimitCode, workspace: string | null, bounds: Bounds): Message {
  const limit = code === 'LOAD_LIMIT' ? bounds.pagesPerLoad : code === 'PAGE_LIMIT' ? bounds.pagesPerList : bounds.valuesPerList;
  return { id: code, slots: { limit: limit.toLocaleString('en-US'), workspace: workspace ?? '' } };
}

/** Fills a message's template from the page; every slot is set as text. */
export function renderMessage(message: Message<AppMessageId | CallbackMessageId>): DocumentFragment {
  const fragment = fromTemplate(`msg-${message.id}`);
  for (const slot of fragment.querySelectorAll<HTMLElement>('[data-slot]')) {
    slot.textContent = message.slots?.[slot.dataset.slot ?? ''] ?? '';
  }
  return fragment;
}
