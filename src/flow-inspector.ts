/**
 * The Flow inspector, loaded on demand when its button is first pressed: binds the recorder to
 * the view while it is open (a few renders a second at most), and saves the export. Closed, it
 * leaves nothing behind: no listener, no frame, no element.
 */
import type { FlowRecorder } from './flow-record.ts';
import { flowExport, requestRows, requestSummary } from './flow-model.ts';
import { mountFlowInspectorView } from './views/flow-inspector.ts';

/** Loading can pause between rounds or before a retry: the summary waits this long to be sure. */
const SUMMARY_DELAY_MS = 500;
/** While requests come in, the table is brought up to date this often at most: live, at a small cost to the list's own rendering. */
const RENDER_INTERVAL_MS = 250;

/** At most this long to wait for an idle moment: the table stays live on a busy page. */
const IDLE_TIMEOUT_MS = 1000;
// requestIdleCallback where there is one (Chromium, Firefox); a task of its own elsewhere.
const idle = (task: () => void): number =>
  typeof requestIdleCallback === 'function' ? requestIdleCallback(task, { timeout: IDLE_TIMEOUT_MS }) : window.setTimeout(task, 0);
const cancelIdle = (id: number) => (typeof cancelIdleCallback === 'function' ? cancelIdleCallback(id) : clearTimeout(id));

/** Opens the inspector in `root`; returns the function that closes it. */
export function openFlowInspector(root: HTMLElement, flow: FlowRecorder): () => void {
  const view = mountFlowInspectorView(root, {
    onDownload: () => {
      const now = Date.now();
      const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
      download(`bitbucket-flow-${stamp}.json`, JSON.stringify(flowExport(flow, now), null, 2));
    },
  });
  let summaryTimer: ReturnType<typeof setTimeout> | undefined;
  let said: string | undefined;
  const render = (first = false) => {
    const rows = requestRows(flow.requests);
    view.update({ steps: flow.steps, rows });
    const summary = requestSummary(rows);
    clearTimeout(summaryTimer);
    if (summary === null || summary === said) return;
    const say = () => view.announce((said = summary));
    // What is already over when the inspector opens is shown at once; a load that ends, a moment later.
    if (first) say();
    else summaryTimer = setTimeout(say, SUMMARY_DELAY_MS);
  };

  let wait: ReturnType<typeof setTimeout> | undefined;
  let frame = 0;
  let rendered = 0;
  const stop = flow.subscribe(() => {
    if (wait !== undefined || frame) return;
    wait = setTimeout(
      () => {
        wait = undefined;
        // When the page is idle: the inspector never takes a frame's time from the app's own rendering.
        frame = idle(() => {
          frame = 0;
          rendered = performance.now();
          render();
        });
      },
      Math.max(0, rendered + RENDER_INTERVAL_MS - performance.now()),
    );
  });
  render(true);
  return () => {
    stop();
    clearTimeout(wait);
    cancelIdle(frame);
    clearTimeout(summaryTimer);
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
