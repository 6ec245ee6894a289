/** The signed-out view: the sign-in control, configuration help, and API-token sign-in. */
import type { ConfigProblem } from '../config.ts';
import { h } from '../dom.ts';
import type { Message } from '../messages.ts';

export interface SignedOutProps {
  /** Why the user is signed out, when there is something to say (session ended, refused sign-in…). */
  notice?: Message & { kind: 'alert' | 'info' };
  problems: ConfigProblem[];
  canSignIn: boolean;
  onSignIn: () => void;
  /** Present when API-token sign-in is offered (on this machine). */
  onApiTokenSignIn?: (email: string, apiToken: string) => void;
}

/** Renders the signed-out view into `root`. */
export function renderSignedOut(root: HTMLElement, props: SignedOutProps): void {
  root.replaceChildren(
    props.notice ? renderNotice(props.notice) : '',
    ...props.problems.map(renderProblem),
    props.canSignIn
      ? h(
          'div',
          { class: 'actions sign-in' },
          h('button', { type: 'button', class: 'button', onclick: props.onSignIn }, 'Sign in with Bitbucket'),
          h('span', { class: 'hint' }, 'You will be asked to grant read access to your account and repositories.'),
        )
      : '',
    props.onApiTokenSignIn ? renderApiTokenForm(props.onApiTokenSignIn) : '',
  );
}

function renderNotice(notice: Message & { kind: 'alert' | 'info' }): HTMLElement {
  return h(
    'div',
    notice.kind === 'alert' ? { class: 'notice', role: 'alert' } : { class: 'notice' },
    h('h2', {}, notice.title),
    h('p', {}, notice.body),
  );
}

function renderProblem(problem: ConfigProblem): HTMLElement {
  if (problem.code === 'MISSING_CLIENT_ID') {
    return h(
      'div',
      { class: 'notice warning', role: 'alert' },
      h('h2', {}, 'This app is not configured for Bitbucket yet'),
      h('p', {}, 'Sign-in needs the Key of a Bitbucket OAuth consumer. Copy ', h('code', {}, '.env.example'), ' to ', h('code', {}, '.env'), ', set ', h('code', {}, 'VITE_BITBUCKET_CLIENT_ID'), ' to the Key, and start the app again.'),
      h('p', {}, 'Or run ', h('code', {}, 'npm start'), ' without it to try the whole flow against the bundled Bitbucket simulator.'),
    );
  }
  return renderBadUrl(problem);
}

/** The page shown when the configuration cannot be used at all. */
export function renderBadUrl(problem: ConfigProblem): HTMLElement {
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('h2', {}, 'The configuration has a malformed URL'),
    h('p', {}, h('code', {}, problem.variable), ' is “', problem.value ?? '', '”, which is not an absolute http(s) URL. Fix it in ', h('code', {}, '.env'), ' and start the app again.'),
  );
}

function renderApiTokenForm(onSubmit: (email: string, apiToken: string) => void): HTMLElement {
  const email = h('input', { id: 'api-token-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const token = h('input', { id: 'api-token-secret', type: 'password', name: 'api-token', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'form-grid',
      onsubmit: (event: Event) => {
        event.preventDefault();
        if (form.reportValidity()) onSubmit(email.value.trim(), token.value.trim());
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'api-token-email' }, 'Atlassian account email'), email),
    h('div', { class: 'field' }, h('label', { for: 'api-token-secret' }, 'API token'), token),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, 'Use API token')),
  );
  return h(
    'section',
    { class: 'api-token', 'aria-labelledby': 'api-token-heading' },
    h('h2', { id: 'api-token-heading' }, 'Or, on your own machine: an API token'),
    h(
      'p',
      {},
      'Works with Bitbucket Cloud today, without a server. Create an Atlassian API token with the scopes ',
      h('code', {}, 'read:user:bitbucket'), ', ', h('code', {}, 'read:workspace:bitbucket'), ' and ', h('code', {}, 'read:repository:bitbucket'), '.',
    ),
    h(
      'p',
      { class: 'notice warning' },
      'An API token is a long-lived password for your account, not a short-lived OAuth token: anyone who has it acts as you until you revoke it. ',
      'It is sent only to the Bitbucket API (as HTTP Basic), kept in this tab’s sessionStorage, and forgotten when you sign out or close the tab. Use this only on a machine you trust.',
    ),
    form,
  );
}
