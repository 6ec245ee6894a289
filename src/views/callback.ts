/** The callback page's view of a refused sign-in. */
import { h } from '../dom.ts';
import type { Message } from '../messages.ts';

/** Renders why the sign-in failed, with a link back to try again. */
export function renderCallbackFailure(root: HTMLElement, message: Message, options: { home: string; learnMoreUrl?: string }): void {
  root.replaceChildren(
    h(
      'div',
      { class: 'notice error', role: 'alert' },
      h('h2', {}, message.title),
      h('p', {}, message.body),
      options.learnMoreUrl ? h('p', {}, h('a', { href: options.learnMoreUrl, rel: 'noreferrer' }, 'Read Atlassian’s notice about the change')) : '',
    ),
    h('p', {}, h('a', { class: 'button', href: options.home }, 'Back to the app to try again')),
  );
}
