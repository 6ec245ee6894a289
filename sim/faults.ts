/**
 * Fault injection: rules that make matching requests fail the ways Bitbucket (or the network)
 * really fails, so a client's error handling can be tested on purpose.
 */
import { DROP, apiError, errorBody, html, json, text } from './http.ts';
import type { Outcome, SimResponse } from './http.ts';

/** One fault rule. */
export interface FaultRule {
  /** Matched against the request path and query: a substring, or a regex source if it starts with '^'. */
  path: string;
  kind: 'status' | 'not-json' | 'wrong-shape' | 'drop' | 'delay' | 'endless-next' | 'size';
  /** For 'status': 401, 403, 410, 429, 500, 502, 503… */
  status?: number;
  /** For 'size': the total a list page claims, whatever the data. */
  size?: number;
  /** How many matching requests it hits; default unlimited. */
  times?: number;
  /** For 'delay'. */
  delayMs?: number;
  /**
   * For 'status': false answers without CORS headers, as a rate limiter or proxy in front of the
   * API may (unconfirmed for Bitbucket): a browser then sees a failed fetch, not the status.
   */
  cors?: boolean;
}

/** A rule ready to match, with what is left of its `times`. */
export interface ActiveFault {
  rule: FaultRule;
  matches: (target: string) => boolean;
  remaining: number;
}

/**
 * What the faults decide for one request: wait this long, then maybe answer instead of the
 * handler, or let the handler answer a list page changed by the shaping rules.
 */
export interface FaultDecision {
  delayMs: number;
  answer: Outcome | undefined;
  /** The 'endless-next' and 'size' rules that matched: the list page lies as they say. */
  shaping: FaultRule[];
}

/** Rules that change a list page the handler makes instead of answering in its place. */
const SHAPING_KINDS: ReadonlySet<FaultRule['kind']> = new Set(['endless-next', 'size']);
const KINDS = ['status', 'not-json', 'wrong-shape', 'drop', 'delay', 'endless-next', 'size'];

const CHANGE_2770_DATA = { announcement_url: 'https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770' };

/**
 * The body Bitbucket's removed endpoints answer with 410, as seen in April 2026: `data` is under
 * `error` and repeated at the top level.
 */
export const CHANGE_2770_BODY = {
  ...errorBody('CHANGE-2770 - Functionality has been deprecated', 'Please read the changelog entry for more details.', CHANGE_2770_DATA),
  data: CHANGE_2770_DATA,
};

/** Checks and compiles rules; throws a TypeError naming the bad rule. */
export function compileFaults(rules: readonly FaultRule[]): ActiveFault[] {
  return rules.map((rule, index) => {
    const where = `faults[${index}]`;
    if (typeof rule.path !== 'string') throw new TypeError(`${where}.path must be a string`);
    if (!KINDS.includes(rule.kind)) throw new TypeError(`${where}.kind must be one of ${KINDS.join(', ')}`);
    if (rule.kind === 'status' && !(Number.isInteger(rule.status) && (rule.status ?? 0) >= 400 && (rule.status ?? 0) <= 599)) {
      throw new TypeError(`${where}.status must be an HTTP error status (400–599)`);
    }
    if (rule.kind === 'delay' && !(typeof rule.delayMs === 'number' && rule.delayMs >= 0)) {
      throw new TypeError(`${where}.delayMs must be a number of milliseconds`);
    }
    if (rule.kind === 'size' && !(Number.isSafeInteger(rule.size) && (rule.size ?? -1) >= 0)) {
      throw new TypeError(`${where}.size must be a non-negative integer`);
    }
    if (rule.cors !== undefined && (typeof rule.cors !== 'boolean' || rule.kind !== 'status')) {
      throw new TypeError(`${where}.cors must be true or false, on a status rule`);
    }
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
      throw new TypeError(`${where}.times must be a non-negative integer`);
    }
    let matches: (target: string) => boolean;
    if (rule.path.startsWith('^')) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(rule.path);
      } catch {
        throw new TypeError(`${where}.path is not a valid regular expression`);
      }
      matches = (target) => pattern.test(target);
    } else {
      matches = (target) => target.includes(rule.path);
    }
    return { rule, matches, remaining: rule.times ?? Number.POSITIVE_INFINITY };
  });
}

/**
 * Consumes the rules that match `target` (path + query). Every matching 'delay' adds its wait and
 * every matching shaping rule applies; the first matching rule of another kind answers instead of
 * the handler.
 */
export function decideFaults(faults: readonly ActiveFault[], target: string): FaultDecision {
  const decision: FaultDecision = { delayMs: 0, answer: undefined, shaping: [] };
  for (const fault of faults) {
    if (fault.remaining <= 0 || !fault.matches(target)) continue;
    if (fault.rule.kind === 'delay') {
      fault.remaining -= 1;
      decision.delayMs += fault.rule.delayMs ?? 0;
    } else if (SHAPING_KINDS.has(fault.rule.kind)) {
      fault.remaining -= 1;
      decision.shaping.push(fault.rule);
    } else if (decision.answer === undefined) {
      fault.remaining -= 1;
      decision.answer = faultAnswer(fault.rule);
    }
  }
  return decision;
}

const STATUS_MESSAGES: Record<number, string> = {
  401: 'Token is invalid, expired, or not supported for this endpoint.',
  403: 'Your credentials lack one or more required privilege scopes.',
  404: 'Resource not found',
  500: 'Something went wrong',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusAnswer(status: number): SimResponse {
  // Bitbucket's rate limiter answers in plain text and sends no Retry-After.
  if (status === 429) return text(429, 'Rate limit for this resource has been exceeded');
  if (status === 410) return json(410, CHANGE_2770_BODY);
  return apiError(status, STATUS_MESSAGES[status] ?? `Simulated error ${status}`, 'Injected by a simulator fault rule.');
}

function faultAnswer(rule: FaultRule): Outcome {
  switch (rule.kind) {
    case 'drop':
      return DROP;
    case 'not-json':
      // What a proxy or maintenance page looks like: 200, but HTML.
      return html(
        200,
        '<!DOCTYPE html><html lang="en"><head><title>Bitbucket</title></head><body><h1>We’ll be right back</h1><p>Bitbucket is down for maintenance.</p></body></html>',
      );
    case 'wrong-shape':
      // Valid JSON that matches no Bitbucket shape: `values` not a list, numbers where strings go.
      return json(200, { values: { 0: 'not an array' }, next: 42, size: 'many', display_name: 7, uuid: null });
    case 'status': {
      const answer = statusAnswer(rule.status ?? 500);
      return rule.cors === false ? { ...answer, withoutCors: true } : answer;
    }
    case 'delay':
    case 'endless-next':
    case 'size':
      throw new Error(`${rule.kind} rules change an answer; they never answer`);
  }
}
