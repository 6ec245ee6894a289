/** The signed-out view: the sign-in control, configuration help, and API-token sign-in. */
import type { ConfigProblem } from '../config.ts';
import { fromTemplate, part } from '../dom.ts';
import { renderMessage, type Message, type Notice } from '../messages.ts';

export interface SignedOutProps {
  /** Why the user is signed out, when there is something to say (session ended, sign-out…). */
  notice?: Notice;
  /** False when no client id is configured: the page then says how to configure one. */
  canSignIn: boolean;
  onSignIn: () => void;
  /** Present when API-token sign-in is offered (on this machine). */
  onApiTokenSignIn?: (email: string, apiToken: string) => void;
}

/** Renders the signed-out view into `root`. */
export function renderSignedOut(root: HTMLElement, props: SignedOutProps): void {
  root.replaceChildren(
    props.notice ? renderNotice(props.notice) : '',
    props.canSignIn ? signInControl(props.onSignIn) : renderNotice({ kind: 'alert', message: { id: 'NOT_CONFIGURED' } }),
    props.onApiTokenSignIn ? renderApiTokenForm(props.onApiTokenSignIn) : '',
  );
}

function signInControl(onSignIn: () => void): DocumentFragment {
  const control = fromTemplate('tpl-sign-in');
  part(control, 'sign-in').addEventListener('click', onSignIn);
  return control;
}

/** A notice box; an alert is announced to screen readers as it appears. */
export function renderNotice(notice: Notice, ...actions: Array<Node | string>): DocumentFragment {
  const view = fromTemplate(`tpl-${notice.kind}`);
  part(view, 'message').replaceWith(renderMessage(notice.message));
  if (actions.length > 0) part(view, 'actions').append(...actions);
  else part(view, 'actions').remove();
  return view;
}

/** The message for a malformed URL in the configuration. */
export function problemMessage(problem: ConfigProblem): Message {
  return { id: 'BAD_URL', slots: { variable: problem.variable, value: problem.value ?? '' } };
}

function renderApiTokenForm(onSubmit: (email: string, apiToken: string) => void): DocumentFragment {
  const section = fromTemplate('tpl-api-token');
  const form = section.querySelector('form');
  form?.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    // Stryker disable next-line StringLiteral: never used, the template has both fields, so `get` never gives null.
    const field = (name: string) => String(data.get(name) ?? '').trim();
    onSubmit(field('email'), field('api-token'));
  });
  return section;
}
