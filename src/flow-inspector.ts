/**
 * The Flow inspector, loaded on demand when its button is first pressed: binds the recorder to
 * the view while it is open (one render a frame at most), and saves the export. Closed, it
 * leaves nothing behind: no listener, no frame, no element.
 */
import type { FlowRecorder } from './flow-record.ts';
import { flowExport, requestRows, requestSummary } from './flow-model.ts';
import { mountFlowInspectorView } from './views/flow-inspector.ts';

/** Loading can pause between rounds or before a retry: the summary waits this long to be sure. */
const SUMMARY_DELAY_MS = 500;

/** Opens the inspector in `root`; returns the function that closes it. */
export function openFlowInspector(root: HTMLElement, flow: FlowRecorder): () => void {
  const view = mountFlowInspectorView(root, {
    onDownload: () => {
      const now = Date.now();
      const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
      download(`bitbucket-flow-${stamp}.json`, JSON.stringify(flowExport(flow, now), null, 2));
    },
  });
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let said = '';
  const render = (first = false) => {
    frame = 0;
    const rows = requestRows(flow.requests);
    view.update({ steps: flow.steps, rows });
    const summary = requestSummary(rows);
    clearTimeout(timer);
    if (summary === null || summary === said) return;
    const say = () => view.announce((said = summary));
    // What is already over when the inspector opens is shown at once; a load that ends, a moment later.
    if (first) say();
    else timer = setTimeout(say, SUMMARY_DELAY_MS);
  };
  const stop = flow.subscribe(() => {
    frame ||= requestAnimationFrame(() => render());
  });
  render(true);
  return () => {
    stop();
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    root.replaceChildren();
  };
}

/** Saves `text` as a file named `name` (the browser's download). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
