/** The callback page's view of a refused sign-in. */
import { fromTemplate, part } from '../dom.ts';
import { renderMessage, type CallbackMessageId, type Message } from '../messages.ts';

/** Renders why the sign-in failed, in an alert, with a link back to try again. */
export function renderCallbackFailure(root: HTMLElement, message: Message<CallbackMessageId>, home: string): void {
  const view = fromTemplate('tpl-failure');
  part(view, 'message').append(renderMessage(message));
  part(view, 'home').setAttribute('href', home);
  root.replaceChildren(view);
}
