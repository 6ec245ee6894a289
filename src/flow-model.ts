/**
 * What the Flow inspector says about a recorded flow: which code did each step, what each
 * parameter and check is for, the API requests as table rows (retries and pages worked out from
 * what was recorded), and the JSON export. Pure: it reads the record and returns data.
 */
import type { CallbackCheck } from 'bitbucket-browser-auth';
import type { ApiRequest, FlowStep } from './flow-record.ts';

/** The module and function of this project that did each kind of step: `file · function` (the core's under its package name). */
export const SOURCES = {
  authorize: 'bitbucket-browser-auth/src/authorize.ts · startSignIn',
  callback: 'bitbucket-browser-auth/src/callback.ts · readCallback',
  check: 'bitbucket-browser-auth/src/callback.ts · readCallback',
  oneUse: 'bitbucket-browser-auth/src/session.ts · takePending',
  refused: 'bitbucket-browser-auth/src/sign-in.ts · handleCallback',
  renewal: 'bitbucket-browser-auth/src/renewal.ts · renew',
  kept: 'bitbucket-browser-auth/src/session.ts · saveCredentials',
  request: 'bitbucket-browser-auth/src/client.ts · createClient',
  recorder: 'src/flow-record.ts · recordFetch',
} as const;

/** The code that made a step. */
export function sourceOf(step: FlowStep): string {
  if (step.step === 'check') return step.check === 'ONE_USE' ? SOURCES.oneUse : SOURCES.check;
  return SOURCES[step.step];
}

/** What each check of the callback verifies, in the words the inspector uses. */
export const CHECKS: Record<CallbackCheck, string> = {
  NO_REPEATED_PARAMETER: 'No parameter appears twice',
  NO_OAUTH_ERROR: 'Bitbucket sent no error',
  ANSWER_PRESENT: 'The fragment carries an answer',
  STATE_PRESENT: 'state is present',
  ONE_USE: 'One use: a sign-in started in this tab in the last 10 minutes was waiting, and is now deleted',
  STATE_MATCHES: 'state matches the one stored when the sign-in started',
  TOKEN_PRESENT: 'access_token is present and fits in an HTTP header',
  TOKEN_TYPE: 'token_type is bearer',
  LIFETIME: 'expires_in is a whole number of seconds, above 0',
  SCOPES: 'The scopes are given once (scopes or scope, not both)',
};

/** What each parameter of the authorization request and of the callback is for. */
export const PARAMETERS: Record<string, string> = {
  client_id: 'Which app is asking: the OAuth consumer’s Key.',
  response_type: '“token” asks for the implicit grant: the token comes straight back, with no code to exchange.',
  redirect_uri: 'Where to send the browser back; it must match the consumer’s callback URL.',
  state: 'A one-time random value kept in this tab; the answer must bring the same one back.',
  access_token: 'The token itself (shown here only as its first 4 characters and its length).',
  token_type: 'How to use the token: “bearer” means whoever holds it may use it.',
  expires_in: 'Seconds until the token stops working.',
  scopes: 'What the token may do (Bitbucket’s spelling until May 2026).',
  scope: 'What the token may do (Bitbucket’s spelling since May 2026).',
  error: 'Why there is no token (for example access_denied after Cancel).',
  error_description: 'Words from whoever made the link; the app never shows them as its own.',
};

/** An API request as a row of the inspector's table. Times are ms from the first request. */
export interface RequestRow {
  number: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** The status, or what happened instead: "network error", "cancelled", "waiting". */
  outcome: string;
  /** An answer (or a failure) came. */
  done: boolean;
  /** Nothing more will be recorded for it: it failed, or its body has been read. */
  final: boolean;
  failed: boolean;
  start: number;
  duration: number | null;
  bytes: number | null;
  /** "2 of 5", "2" (no total given), or "" (not a page). */
  page: string;
  /** "", or which retry this is and why: "retry 1, after 429". */
  retry: string;
}

/** The rows of the requests table, with retries found from repeated URLs after a failure. */
export function requestRows(requests: readonly ApiRequest[]): RequestRow[] {
  const first = requests[0]?.start ?? 0;
  const previous = new Map<string, { outcome: string; retryable: boolean; attempt: number }>();
  return requests.map((request, index) => {
    const outcome = outcomeOf(request);
    const before = previous.get(request.url);
    const attempt = before?.retryable ? before.attempt + 1 : 0;
    const retryable = request.failure === 'network' || request.status === 429 || (request.status ?? 0) >= 500;
    previous.set(request.url, { outcome, retryable, attempt });
    const url = new URL(request.url);
    return {
      number: index + 1,
      method: request.method,
      path: `${url.pathname}${url.search}`,
      outcome,
      done: request.end !== undefined,
      final: request.failure !== undefined || request.bytes !== undefined,
      failed: request.failure !== undefined || (request.status ?? 200) >= 400,
      start: request.start - first,
      duration: request.end === undefined ? null : request.end - request.start,
      bytes: request.bytes ?? null,
      page: pageOf(request, url),
      retry: attempt > 0 ? `retry ${attempt}, after ${before?.outcome}` : '',
    };
  });
}

function outcomeOf(request: ApiRequest): string {
  if (request.failure) return request.failure === 'network' ? 'network error' : 'cancelled';
  return request.status === undefined ? 'waiting' : String(request.status);
}

/** "N of M" from the page number (the envelope's, else the query's) and the envelope's total. */
function pageOf(request: ApiRequest, url: URL): string {
  const number = request.page ?? (Number(url.searchParams.get('page')) || undefined);
  const pages = request.size !== undefined && request.pagelen ? Math.max(1, Math.ceil(request.size / request.pagelen)) : undefined;
  if (number === undefined) return pages === undefined ? '' : `? of ${pages}`;
  return pages === undefined ? String(number) : `${number} of ${pages}`;
}

/** The sentence announced when no request is in flight any more, or null while some are. */
export function requestSummary(rows: readonly RequestRow[]): string | null {
  if (rows.length === 0 || rows.some((row) => !row.done)) return null;
  const failed = rows.filter((row) => row.failed).length;
  const retries = rows.filter((row) => row.retry).length;
  const end = Math.max(...rows.map((row) => row.start + (row.duration ?? 0)));
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${count(rows.length, 'API request', 'API requests')} finished in ${formatMs(end)}: ` +
    `${failed === 0 ? 'none failed' : `${failed} failed`}, ${count(retries, 'retry', 'retries')}.`
  );
}

/** Milliseconds as the inspector shows them: "850 ms", "1.4 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Everything recorded, as the JSON that "Download the flow (JSON)" saves (the token already reduced). */
export function flowExport(flow: { steps: readonly FlowStep[]; requests: readonly ApiRequest[]; pageOpenedAt: number }, now: number) {
  const iso = (time: number) => new Date(time).toISOString();
  return {
    format: 'bitbucket-starter-flow/1',
    exportedAt: iso(now),
    note: 'Recorded in one browser tab. The access token appears only as its first 4 characters, an ellipsis and its length.',
    steps: flow.steps.map((step) => ({ ...step, at: iso(step.at), by: sourceOf(step) })),
    requests: requestRows(flow.requests).map(({ done: _done, final: _final, ...row }, index) => ({
      ...row,
      startedAt: iso(flow.pageOpenedAt + (flow.requests[index]?.start ?? 0)),
      by: SOURCES.request,
    })),
  };
}
