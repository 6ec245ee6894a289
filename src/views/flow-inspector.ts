/**
 * The Flow inspector's view: the recorded steps of the sign-in, then the API requests as a
 * table drawn as a waterfall. It renders what it is given, as text; new rows are not announced,
 * the summary is (once no request is in flight).
 */
import { button } from '../dom.ts';
import type { CallbackCheck } from 'bitbucket-browser-auth';
import type { FlowStep, Parameter } from '../flow-record.ts';
import { CHECKS, formatMs, PARAMETERS, SOURCES, sourceOf, type RequestRow } from '../flow-model.ts';

export interface FlowInspectorState {
  steps: readonly FlowStep[];
  rows: readonly RequestRow[];
}

export interface FlowInspectorView {
  /** Brings the view up to date: steps when they changed, request rows as they come and end. */
  update(state: FlowInspectorState): void;
  /** Says `text` in the live summary (announced). */
  announce(text: string): void;
}

type Child = Node | string;

/** An element with children (text goes in as text). */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.append(...children);
  return element;
}

/** An element with a class (one the stylesheet styles) and children. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = el(tag, ...children);
  element.className = className;
  return element;
}

const code = (text: string) => el('code', text);
const by = (source: string) => h('p', 'inspector-source', 'By ', code(source));

/** A `<time>` for an instant, in the reader's local time. */
function time(at: number): HTMLTimeElement {
  const element = el('time', new Date(at).toLocaleTimeString());
  element.dateTime = new Date(at).toISOString();
  return element;
}

const BYTES = new Intl.NumberFormat('en');
// A Map, not the object: a parameter named `constructor` or `__proto__` has no purpose to show.
const PURPOSES = new Map(Object.entries(PARAMETERS));
const COLUMNS = ['#', 'Request', 'Status', 'Start', 'Duration', 'Bytes', 'Page', 'Retry', 'Timeline'];

/** Builds the inspector in `root`. */
export function mountFlowInspectorView(root: HTMLElement, handlers: { onDownload: () => void }): FlowInspectorView {
  const lead = el(
    'p',
    'What this tab sent and received in its latest sign-in, recorded as it happened. ' +
      'The access token appears only as its first 4 characters and its length.',
  );
  const steps = el('div');
  const summary = el('p');
  summary.setAttribute('aria-live', 'polite');
  const empty = el('p', 'No API request has been sent from this page yet.');
  const body = el('tbody');
  const caption = el('caption', 'API requests');
  caption.id = 'api-requests-caption';
  const table = h('table', 'inspector-requests', caption, el('thead', el('tr', ...COLUMNS.map((name) => th('col', name)))), body);
  const scroller = h('div', 'inspector-scroll', table);
  // A wide table scrolls sideways: keyboard users need to reach it (and it is named by its caption).
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-labelledby', caption.id);
  scroller.hidden = true;

  const requests = h(
    'section',
    'inspector-step',
    el('h3', '5. API requests'),
    h('p', 'inspector-source', 'Sent by ', code(SOURCES.request), ', recorded by ', code(SOURCES.recorder), ' around the page’s fetch.'),
    el(
      'p',
      'Before a request to a URL it has not asked about lately, the browser itself sends a CORS preflight: an ',
      code('OPTIONS'),
      ' request asking the API whether a page from this origin may send a ',
      code('GET'),
      ' with an ',
      code('Authorization'),
      ' header (not one of the headers a page may send without asking). Only after a yes does the request below go out. ' +
        'No script can see a preflight, so none is listed here.',
    ),
    summary,
    empty,
    scroller,
  );
  root.replaceChildren(lead, steps, requests, h('p', 'actions', button('Download the flow (JSON)', handlers.onDownload, 'secondary')));

  // The steps only grow, or start over with a new sign-in: their count and last one say what is shown.
  let shownSteps: [count: number, last: FlowStep | undefined] | null = null;
  const rows: Array<{ cells: HTMLTableCellElement[]; bar: HTMLElement; shown: string | null; done: boolean }> = [];

  return {
    update(state) {
      if (shownSteps?.[0] !== state.steps.length || shownSteps[1] !== state.steps.at(-1)) {
        steps.replaceChildren(...renderSteps(state.steps));
        shownSteps = [state.steps.length, state.steps.at(-1)];
      }
      const span = Math.max(1, ...state.rows.map((row) => row.start + (row.duration ?? 0)));
      table.style.setProperty('--span', String(span));
      state.rows.forEach((row, index) => {
        let shown = rows[index];
        if (!shown) {
          // A row's request (its number, method and path) never changes: it is drawn with the row, once.
          const cells = [el('td', String(row.number)), th('row', ...requestLabel(row)), ...COLUMNS.slice(2).map(() => el('td'))];
          const bar = el('span');
          bar.setAttribute('aria-hidden', 'true');
          cells[8]?.append(bar);
          body.append(el('tr', ...cells));
          rows[index] = shown = { cells, bar, shown: null, done: false };
        }
        // A finished request's row never changes again (its start is from the first request, its
        // retry from those before it): while a load goes on, only the rows still in flight cost anything.
        if (shown.done) return;
        const values = [
          row.outcome,
          formatMs(row.start),
          row.duration === null ? '…' : formatMs(row.duration),
          row.bytes === null ? '' : BYTES.format(row.bytes),
          row.page,
          row.retry,
        ];
        const signature = JSON.stringify(values);
        if (signature === shown.shown) return;
        shown.shown = signature;
        shown.done = row.final;
        values.forEach((value, index) => (shown.cells[index + 2] as HTMLTableCellElement).replaceChildren(value));
        shown.bar.className = `inspector-bar${row.failed ? ' failed' : row.retry ? ' retried' : ''}${row.done ? '' : ' waiting'}`;
        shown.bar.style.setProperty('--start', String(row.start));
        shown.bar.style.setProperty('--duration', String(row.duration ?? 0));
      });
      empty.hidden = state.rows.length > 0;
      scroller.hidden = state.rows.length === 0;
    },
    announce(text) {
      summary.textContent = text;
    },
  };
}

/** "GET /2.0/repositories/a", and below it the query, decoded to be read, with places to break at. */
function requestLabel(row: RequestRow): Child[] {
  const at = row.path.indexOf('?');
  if (at === -1) return [`${row.method} ${row.path}`];
  const path = row.path.slice(0, at);
  const query = row.path.slice(at);
  let readable = query;
  try {
    readable = decodeURIComponent(query);
  } catch {
    // Not percent-encoded text after all: shown as sent.
  }
  const parts = readable.split(/(?<=[&,])/).flatMap((part) => [part, document.createElement('wbr')]);
  return [`${row.method} ${path}`, h('span', 'inspector-query', ...parts.slice(0, -1))];
}

function th(scope: 'col' | 'row', ...content: Child[]): HTMLTableCellElement {
  const cell = el('th', ...content);
  cell.scope = scope;
  return cell;
}

/** The four steps before the API requests, from what was recorded (and only that). */
function renderSteps(steps: readonly FlowStep[]): HTMLElement[] {
  const find = <S extends FlowStep['step']>(kind: S) =>
    steps.find((step) => step.step === kind) as Extract<FlowStep, { step: S }> | undefined;
  const authorize = find('authorize');
  const callback = find('callback');
  const refused = find('refused');
  const kept = find('kept');
  const checks = steps.filter((step) => step.step === 'check');
  const renewals = steps.filter((step) => step.step === 'renewal');
  const section = (title: string, ...children: Child[]) => h('section', 'inspector-step', el('h3', title), ...children);
  const none = (text: string) => h('p', 'inspector-none', text);

  return [
    section(
      '1. The authorization request',
      ...(authorize ? authorizeRequest(authorize) : [none('Not recorded: no sign-in was started from this tab.')]),
    ),
    section(
      '2. What came back to /oauth-callback',
      ...(callback
        ? callbackParameters(callback)
        : [
            none(
              authorize
                ? 'Nothing yet: the sign-in is under way at the authorization server, or was left there.'
                : 'Not recorded in this tab.',
            ),
          ]),
    ),
    section(
      '3. The checks the callback page made',
      ...(checks.length > 0 ? renderChecks(checks) : [none('None yet.')]),
      ...(refused
        ? [
            h(
              'p',
              'inspector-stopped',
              'The sign-in stopped at the failed check and was refused with the code ',
              code(refused.code),
              '; nothing was stored.',
            ),
            by(sourceOf(refused)),
          ]
        : []),
    ),
    section(
      '4. Where the token was kept',
      ...(kept
        ? [
            el(
              'p',
              'In ',
              code(kept.storage),
              ' under the key ',
              code(kept.key),
              ', at ',
              time(kept.at),
              '. It expires at ',
              time(kept.expiresAt),
              ` (${formatMinutes(kept.expiresAt - kept.at)} after it arrived). Scopes: ${kept.scopes.join(', ') || 'none given'}.`,
            ),
            by(sourceOf(kept)),
          ]
        : [none(refused ? 'Nowhere: the sign-in was refused.' : 'No token has been kept yet.')]),
      ...(renewals.length > 0 ? renderRenewals(renewals) : []),
    ),
  ];
}

/** Why a token was renewed, and how it went, in words. */
const RENEWAL_WHY = {
  start: 'this tab had no token of its own',
  expiring: 'the token was about to expire',
  refused: 'Bitbucket refused the token (401)',
} as const;

/** How a renewal that brought no token ended, in words. */
const RENEWAL_FAILED = {
  renewed: 'no usable token.',
  'no-session': 'the relay had no session: no token.',
  failed: 'no usable token.',
  'signed-out': 'the session was signed out meanwhile, so its token was thrown away.',
} as const;

/** Each renewal through the relay: when, why, what POST /token answered, and the new expiry. */
function renderRenewals(renewals: ReadonlyArray<Extract<FlowStep, { step: 'renewal' }>>): HTMLElement[] {
  const list = el('ul');
  list.setAttribute('aria-label', 'Renewals through the relay');
  for (const renewal of renewals) {
    const answered = renewal.status === undefined ? 'got no answer' : `answered ${renewal.status}`;
    const outcome =
      renewal.outcome === 'renewed' && renewal.expiresAt !== undefined
        ? ['a new token, which expires at ', time(renewal.expiresAt), '.']
        : [RENEWAL_FAILED[renewal.outcome]];
    list.append(
      el('li', 'At ', time(renewal.at), `, because ${RENEWAL_WHY[renewal.why] ?? renewal.why}: POST /token ${answered}, `, ...outcome),
    );
  }
  return [
    el('p', 'Renewed through the relay, without a redirect (the token itself never recorded):'),
    list,
    by(sourceOf(renewals[0] as FlowStep)),
  ];
}

function authorizeRequest(step: Extract<FlowStep, { step: 'authorize' }>): HTMLElement[] {
  let url: URL;
  try {
    url = new URL(step.url);
  } catch {
    return [h('p', 'inspector-none', 'The recorded address is not a URL.')];
  }
  return [
    el('p', 'At ', time(step.at), ' the browser was sent to ', code(`${url.origin}${url.pathname}`), ' with these query parameters:'),
    parameterTable(
      'Authorization request parameters',
      [...url.searchParams].map(([name, value]) => ['query', name, value]),
    ),
    by(sourceOf(step)),
  ];
}

function callbackParameters(step: Extract<FlowStep, { step: 'callback' }>): HTMLElement[] {
  const rows = [
    ...step.fragment.map(([name, value]): [string, string, string] => ['fragment', name, value]),
    ...step.query.map(([name, value]): [string, string, string] => ['query', name, value]),
  ];
  return [
    el('p', 'At ', time(step.at), ' the browser arrived with ', rows.length === 0 ? 'no parameters at all.' : 'these parameters:'),
    ...(rows.length > 0 ? [parameterTable('Callback parameters', rows)] : []),
    by(sourceOf(step)),
  ];
}

/** A table of parameters: where each was, its name and value, and what it is for. */
function parameterTable(title: string, rows: Array<[where: string, ...Parameter]>): HTMLElement {
  return el(
    'div',
    el(
      'table',
      el('caption', title),
      el('thead', el('tr', th('col', 'Parameter'), th('col', 'In'), th('col', 'Value'), th('col', 'What it is for'))),
      el(
        'tbody',
        ...rows.map(([where, name, value]) =>
          el('tr', th('row', code(name)), el('td', where), h('td', 'inspector-value', code(value)), el('td', PURPOSES.get(name) ?? '')),
        ),
      ),
    ),
  );
}

function renderChecks(checks: Array<Extract<FlowStep, { step: 'check' }>>): HTMLElement[] {
  const list = h(
    'ol',
    'inspector-checks',
    ...checks.map((check) =>
      h(
        'li',
        check.passed ? 'passed' : 'failed',
        el('strong', check.passed ? 'Passed: ' : 'Failed: '),
        Object.hasOwn(CHECKS, check.check) ? CHECKS[check.check as CallbackCheck] : check.check,
        ' — ',
        code(sourceOf(check)),
      ),
    ),
  );
  list.setAttribute('aria-label', 'Checks made by the callback page');
  return [list];
}

function formatMinutes(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 && minutes > 0
    ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}`
    : `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
