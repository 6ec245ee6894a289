/**
 * The Flow inspector's button. It appears once this tab has something to show, and loads the
 * inspector the first time it is opened; closed, the inspector is gone and nothing renders.
 */
import type { FlowRecorder } from './flow-record.ts';

/** Wires the page's `Flow inspector` button and region, both inside `container` (hidden until there is a record). */
export function mountFlowToggle(container: HTMLElement, flow: FlowRecorder): void {
  const toggle = container.querySelector('button') as HTMLButtonElement;
  const region = container.querySelector('section') as HTMLElement;
  const body = region.lastElementChild as HTMLElement;
  const expanded = () => toggle.getAttribute('aria-expanded') === 'true';
  let close: (() => void) | undefined;

  // The record only grows: once there is something to show, the button stays.
  const reveal = () => {
    if (flow.steps.length + flow.requests.length === 0) return;
    container.hidden = false;
    stopRevealing();
  };
  const stopRevealing = flow.subscribe(reveal);
  reveal();

  toggle.addEventListener('click', async () => {
    const open = !expanded();
    toggle.setAttribute('aria-expanded', String(open));
    region.hidden = !open;
    close?.();
    close = undefined;
    // (On closing, the module is already loaded: the check below then opens nothing.)
    const { openFlowInspector } = await import('./flow-inspector.ts');
    // Closed (or opened again) while the code was loading: only the latest opening shows it.
    if (expanded() && !close) close = openFlowInspector(body, flow);
  });
}
