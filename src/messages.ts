/**
 * What the user is told, chosen by code. The words live in the pages' HTML as `<template>`s
 * (`<template id="msg-CODE">`), so they cost no JavaScript and read as plain markup; here the
 * code only picks the template and the values for its `data-slot` placeholders.
 */
import type { ApiError } from './bitbucket.ts';
import type { CallbackErrorCode } from './callback.ts';
import { fromTemplate } from './dom.ts';

/** A message: which template, and the text for each of its slots. */
export interface Message {
  id: string;
  slots?: Record<string, string>;
}

/** Callback errors that share an explanation: the user needs the same words for each. */
const CALLBACK_MESSAGES: Partial<Record<CallbackErrorCode, string>> = {
  STATE_MISSING: 'STATE_INVALID',
  STATE_MISMATCH: 'STATE_INVALID',
  TOKEN_MISSING: 'TOKEN_INVALID',
  TOKEN_TYPE_UNSUPPORTED: 'TOKEN_INVALID',
  EXPIRES_IN_INVALID: 'TOKEN_INVALID',
};

/** The callback page's explanation of a refused sign-in. */
export function callbackMessage(code: CallbackErrorCode, oauthError = ''): Message {
  // Bitbucket (or the relay) being down is worth its own words: trying again later will work.
  const id = /^(temporarily_unavailable|server_error)$/.test(oauthError) ? 'OAUTH_UNAVAILABLE' : (CALLBACK_MESSAGES[code] ?? code);
  return { id, slots: { error: oauthError || 'unknown' } };
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
  // Listing repositories needs Repositories: Read; everything else here needs Account: Read.
  const id = error.code === 'FORBIDDEN' && path.includes('/repositories/') ? 'FORBIDDEN_REPOSITORIES' : error.code;
  return { id, slots };
}

/** Fills a message's template from the page; every slot is set as text. */
export function renderMessage(message: Message): DocumentFragment {
  const fragment = fromTemplate(`msg-${message.id}`);
  for (const slot of fragment.querySelectorAll<HTMLElement>('[data-slot]')) {
    slot.textContent = message.slots?.[slot.dataset.slot ?? ''] ?? '';
  }
  return fragment;
}
