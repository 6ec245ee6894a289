// @vitest-environment jsdom
/** The signed-out view and the small parts every view builds on: notices, messages, buttons. */
import { getByLabelText, getByRole } from '@testing-library/dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { button, fromTemplate } from '../../src/dom.ts';
import { renderMessage } from '../../src/messages.ts';
import { problemMessage, renderNotice, renderSignedOut } from '../../src/views/landing.ts';
import { loadTemplates } from '../support/page-templates.ts';

let root: HTMLElement;

beforeEach(() => {
  document.body.replaceChildren();
  loadTemplates('index.html');
  root = document.createElement('div');
  document.body.append(root);
});

/** The text a template shows on its own. */
const templateText = (id: string) => fromTemplate(id).textContent;

describe('the signed-out view', () => {
  it('with nothing to say and no API-token sign-in, shows the sign-in control and nothing else', () => {
    const onSignIn = vi.fn();
    renderSignedOut(root, { canSignIn: true, onSignIn });
    expect(root.textContent).toBe(templateText('tpl-sign-in'));
    getByRole(root, 'button', { name: 'Sign in with Bitbucket' }).click();
    expect(onSignIn).toHaveBeenCalledOnce();
  });

  it('without a client id, says how to configure one instead of offering to sign in', () => {
    renderSignedOut(root, { canSignIn: false, onSignIn: vi.fn() });
    expect(getByRole(root, 'alert').textContent).toBe(templateText('msg-NOT_CONFIGURED'));
    expect(root.querySelector('button')).toBeNull();
  });

  it('the API-token form hands over the email and the token without surrounding spaces', () => {
    const onApiTokenSignIn = vi.fn();
    renderSignedOut(root, { canSignIn: true, onSignIn: vi.fn(), onApiTokenSignIn });
    (getByLabelText(root, 'Atlassian account email') as HTMLInputElement).value = '  ada@example.com ';
    (getByLabelText(root, 'API token') as HTMLInputElement).value = '\tsecret-token  ';
    getByRole(root, 'button', { name: 'Use API token' }).click();
    expect(onApiTokenSignIn).toHaveBeenCalledExactlyOnceWith('ada@example.com', 'secret-token');
  });
});

describe('notices', () => {
  it('an alert is announced, and has no actions area unless it has actions', () => {
    const bare = renderNotice({ kind: 'alert', message: { id: 'UNAUTHORIZED' } });
    root.append(bare);
    expect(getByRole(root, 'alert').textContent).toBe(templateText('msg-UNAUTHORIZED'));
    expect(root.querySelector('.actions')).toBeNull();
  });

  it('actions go in the notice, after its message', () => {
    const onRetry = vi.fn();
    root.append(renderNotice({ kind: 'info', message: { id: 'SIGNED_OUT' } }, button('Try again', onRetry)));
    const status = getByRole(root, 'status');
    getByRole(status, 'button', { name: 'Try again' }).click();
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('a malformed URL in the configuration is named with its variable and value', () => {
    root.append(renderMessage(problemMessage({ code: 'BAD_API_URL', variable: 'VITE_BITBUCKET_API_URL', value: 'ftp://x' })));
    expect(root.querySelector('[data-slot="variable"]')?.textContent).toBe('VITE_BITBUCKET_API_URL');
    expect(root.querySelector('[data-slot="value"]')?.textContent).toBe('ftp://x');
    expect(problemMessage({ code: 'BAD_API_URL', variable: 'VITE_BITBUCKET_API_URL' })).toEqual({
      id: 'BAD_URL',
      slots: { variable: 'VITE_BITBUCKET_API_URL', value: '' },
    });
  });

  it('a slot the message has no value for is left empty', () => {
    root.append(renderMessage({ id: 'HTTP_ERROR', slots: { status: '418' } }));
    expect(root.querySelector('[data-slot="status"]')?.textContent).toBe('418');
    expect(root.querySelector('[data-slot="detail"]')?.textContent).toBe('');
  });
});

describe('DOM helpers', () => {
  it('a button has no class unless given one', () => {
    expect(button('Plain', vi.fn()).getAttribute('class')).toBe('');
    expect(button('Styled', vi.fn(), 'secondary').className).toBe('secondary');
  });

  it('a missing template is named in the error', () => {
    expect(() => fromTemplate('tpl-nowhere')).toThrow('<template id="tpl-nowhere">');
  });
});
