/**
 * The edge Worker's entry point (edge/wrangler.jsonc's `main`): the app's static assets and the
 * relay under /relay/*, on one origin (edge/edge-worker.ts). workerd takes every export of this
 * module for an entry point, so it exports the handler alone.
 */
import { createEdgeWorker } from './edge-worker.ts';

export default createEdgeWorker({ info: (line) => console.log(line), error: (line) => console.error(line) });
