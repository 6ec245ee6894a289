/**
 * The flow recorder: what this tab really did in a sign-in, for the Flow inspector. The steps
 * (the authorization request, the callback, its checks, where the token went) are kept in
 * sessionStorage, so they survive the trips to Bitbucket and back; the API requests of this page
 * are kept in memory. The access token is never recorded: the core tells of it only reduced
 * (`reduceToken` in bitbucket-browser-auth).
 */
import type { AuthEvent, KeyValueStorage, Parameter } from 'bitbucket-browser-auth';

/** Renewals kept in the record, the latest ones. */
export const MAX_RENEWALS = 20;

/** The sessionStorage key of the recorded steps. */
export const FLOW_KEY = 'bitbucket-starter:flow';

export type { Parameter };

/**
 * A step of the sign-in, as it happened (without its time): the core's events (the authorization
 * request, the parameters that arrived, each check, the refusal or where the token was kept), the
 * last one with the storage this app keeps the session in.
 */
export type FlowEvent = Exclude<AuthEvent, { step: 'kept' }> | (Extract<AuthEvent, { step: 'kept' }> & { storage: 'sessionStorage' });

/** A recorded step; `at` is when (ms since the epoch). */
export type FlowStep = FlowEvent & { at: number };

/** An API request this page sent. Times are ms on the page's clock (`performance.now()`). */
export interface ApiRequest {
  method: string;
  url: string;
  start: number;
  /** When the answer's headers came, or its body was read, or the request failed. */
  end?: number;
  status?: number;
  /** Why there is no answer: the connection failed, or the app cancelled the request. */
  failure?: 'network' | 'aborted';
  /** Bytes of the body, once the app has read it. */
  bytes?: number;
  /** The paging envelope's numbers, when the answer was a page. */
  page?: number;
  size?: number;
  pagelen?: number;
}

/**
 * Makes the recorder of one page: the steps so far are read from `storage`. `now` is the clock
 * of the steps, `pageNow` the page's own (monotonic) clock of the requests.
 */
export function createFlowRecorder(storage: KeyValueStorage, now: () => number, pageNow: () => number) {
  const steps = load(storage);
  const requests: ApiRequest[] = [];
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  const decoder = new TextDecoder();

  return {
    steps: steps as readonly FlowStep[],
    requests: requests as readonly ApiRequest[],
    /** When this page's clock started (ms since the epoch). */
    pageOpenedAt: now() - pageNow(),

    /** Records a step, at once in storage: the page may be about to leave. */
    record(event: FlowEvent): void {
      if (event.step === 'authorize') steps.length = 0;
      // A session renewed all day would fill the record: only the latest renewals are kept.
      const renewals = steps.filter((step) => step.step === 'renewal');
      if (event.step === 'renewal' && renewals.length >= MAX_RENEWALS) steps.splice(steps.indexOf(renewals[0] as FlowStep), 1);
      steps.push({ ...event, at: now() });
      try {
        storage.setItem(FLOW_KEY, JSON.stringify(steps));
      } catch {
        // Storage full or refused: the record is there to be looked at, the sign-in goes on without it.
      }
      changed();
    },

    /** Calls `listener` after every change; returns the function that stops it. */
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** `fetch`, recording each request: when, the answer's status, the body's size and paging. */
    recordFetch(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
      return async (input, init) => {
        const request: ApiRequest = {
          method: init?.method ?? 'GET',
          url: String(input instanceof Request ? input.url : input),
          start: pageNow(),
        };
        requests.push(request);
        changed();
        const settle = (update: Partial<ApiRequest>) => {
          Object.assign(request, update, { end: pageNow() });
          changed();
        };
        const failed = (error: unknown): never => {
          settle({ failure: init?.signal?.aborted ? 'aborted' : 'network' });
          throw error;
        };
        const response = await fetch(input, init).catch(failed);
        settle({ status: response.status });
        // Size and paging are taken as the app reads the body, so nothing is read or parsed twice.
        const read = response.arrayBuffer.bind(response);
        response.json = async () => {
          const body = await read().catch(failed);
          const update: Partial<ApiRequest> = { bytes: body.byteLength };
          try {
            const value: unknown = JSON.parse(decoder.decode(body));
            for (const key of ['page', 'size', 'pagelen'] as const) {
              const number = (value as Partial<Record<string, unknown>> | null)?.[key];
              if (typeof number === 'number') update[key] = number;
            }
            return value;
          } finally {
            settle(update);
          }
        };
        return response;
      };
    },
  };
}

export type FlowRecorder = ReturnType<typeof createFlowRecorder>;

/** The core's observer that records each step of a sign-in, with where this app keeps the session. */
export function recordSignIn(flow: Pick<FlowRecorder, 'record'>): (event: AuthEvent) => void {
  return (event) => flow.record(event.step === 'kept' ? { ...event, storage: 'sessionStorage' } : event);
}

// Written by this app in this tab; a hand-edited value is no reason to fail, and the view shows
// only the steps it knows.
function load(storage: KeyValueStorage): FlowStep[] {
  try {
    // Stryker disable next-line StringLiteral: with nothing stored, any other text fails to parse and the catch gives [] too.
    const value: unknown = JSON.parse(storage.getItem(FLOW_KEY) ?? '[]');
    return Array.isArray(value) ? (value as FlowStep[]) : [];
  } catch {
    return [];
  }
}
