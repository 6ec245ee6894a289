/** The callback page's view of a refused sign-in. */
import { h } from '../dom.ts';
import { renderMessage, type Message } from '../messages.ts';

/** Renders why the sign-in failed, with a link back to try again. */
export function renderCallbackFailure(root: HTMLElement, message: Message, home: string): void {
  root.replaceChildren(
    h('div', { class: 'notice error', role: 'alert' }, renderMessage(message)),
    h('p', {}, h('a', { class: 'button', href: home }, 'Back to the app to try again')),
  );
}
