/**
 * bitbucket-browser-auth: sign in to Bitbucket Cloud from a browser app, and call its REST API.
 * `createBitbucketAuth` is the way in; the rest are its types and the building blocks it is made
 * of, for an app that needs more (several lists sharing their requests, its own checks).
 * @packageDocumentation
 */
export { createBitbucketAuth, createBitbucketSignIn, type BitbucketAuthOptions } from './browser.js';
export { DEFAULT_API_URL, DEFAULT_AUTHORIZE_URL } from './endpoints.js';
export {
  createBitbucketApi,
  type BitbucketApi,
  type BitbucketAuth,
  type GetOptions,
  type ListOptions,
  type RequestOptions,
} from './api.js';
export type {
  AuthEvent,
  BitbucketSignIn,
  CallbackOutcome,
  RenewalOutcome,
  RenewalReason,
  Session,
  SessionChange,
  SessionChangeReason,
  SessionListener,
  SignInOptions,
} from './types.js';
export { SignInError, type SignInErrorCode } from './authorize.js';
export { CALLBACK_MESSAGES, type CallbackCheck, type CallbackErrorCode, type Parameter } from './callback.js';
export { ApiError, type ApiErrorCode, type Permission, type RetryNotice } from './client.js';
export { bad, optionalText, readEnvelope, record, safeLink, text, type Json, type Page } from './checks.js';
export {
  BOUNDS,
  createLimiter,
  createPageBudget,
  DEFAULT_MAX_IN_FLIGHT,
  paginate,
  type Bounds,
  type LimitCode,
  type Limiter,
  type ListCall,
  type PageBudget,
  type PageSource,
  type PaginateOptions,
} from './paginate.js';
export { isLoopback } from './return-path.js';
export type { KeyValueStorage } from './session.js';
