/**
 * What the user is told, chosen by code. The words live in the pages' HTML as `<template>`s
 * (`<template id="msg-CODE">`), so they cost no JavaScript and read as plain markup; here the
 * code only picks the template and the values for its `data-slot` placeholders.
 */
import type { ApiError, ApiErrorCode, LimitCode, RetryNotice, SignInErrorCode } from 'bitbucket-browser-auth';
import { fromTemplate } from './dom.ts';

/**
 * Every message of the app's page (index.html has a `<template id="msg-ID">` for each; a unit
 * test checks both ways). The callback page's are `CallbackMessageId` (src/views/callback.ts).
 */
export type AppMessageId =
  | ApiErrorCode
  | LimitCode
  | `RETRY_${RetryNotice['reason']}`
  | SignInErrorCode
  | 'BAD_URL'
  | 'SIGNED_OUT'
  | 'SIGNED_OUT_ELSEWHERE'
  | 'SIGN_OUT_INCOMPLETE'
  | 'SESSION_EXPIRED'
  | 'API_TOKEN_REJECTED'
  | 'FORBIDDEN_SCOPE'
  | 'REFRESHING'
  | 'UNEXPECTED';

/** A message: which template, and the text for each of its slots. */
export interface Message<Id extends string = AppMessageId> {
  id: Id;
  slots?: Record<string, string>;
}

/** Something to tell the user: an alert (a problem) or plain information. */
export interface Notice {
  kind: 'alert' | 'info';
  message: Message;
}

/** The explanation of a failed API call; each template uses the slots it needs. */
export function apiMessage(error: ApiError): Message {
  const path = error.path.split('?')[0] ?? error.path;
  const slots = { path, status: String(error.status ?? ''), detail: error.detail ?? '' };
  // Bitbucket named what is missing (an API token's scopes): say exactly that.
  if (error.code === 'FORBIDDEN' && error.scopes) {
    const { required, granted } = error.scopes;
    return { id: 'FORBIDDEN_SCOPE', slots: { ...slots, required: required.join(', '), granted: granted.join(', ') || 'none' } };
  }
  // Otherwise a refusal names what the call declared it needs (see src/api.ts).
  return { id: error.code, slots: error.needs ? { ...slots, permission: error.needs.oauth, scope: error.needs.apiToken } : slots };
}

/** Fills a message's template from the page; every slot is set as text. */
export function renderMessage(message: Message<string>): DocumentFragment {
  const fragment = fromTemplate(`msg-${message.id}`);
  for (const slot of fragment.querySelectorAll<HTMLElement>('[data-slot]')) {
    // Stryker disable next-line StringLiteral: never used, every element found has a data-slot.
    const name = slot.dataset.slot ?? '';
    slot.textContent = message.slots?.[name] ?? '';
  }
  return fragment;
}
