/**
 * The JavaScript a build ships, as the budgets count it: what a page loads at first (its module
 * script and the chunks it preloads), and what is loaded only on demand (dynamic imports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The landing page's first-load JavaScript may be at most this much, gzipped. */
export const FIRST_LOAD_BUDGET_GZIP_BYTES = 10_000;
/** The signed-in view's own module (src/signed-in.ts and what only it uses), loaded when there is a session. */
export const SIGNED_IN_BUDGET_GZIP_BYTES = 10_000;
/** The Flow inspector's own share of what loads on demand, gzipped (its view, its model, the export). */
export const FLOW_INSPECTOR_BUDGET_GZIP_BYTES = 5_000;
/** Everything loaded on demand together, gzipped: 4,000 for the branches view and later features, and the Flow inspector's. */
export const ON_DEMAND_BUDGET_GZIP_BYTES = 4_000 + FLOW_INSPECTOR_BUDGET_GZIP_BYTES;

export interface JavaScriptSize {
  raw: number;
  gzip: number;
  /** The files counted, relative to the build directory. */
  files: string[];
}

/** Bytes of the given files, raw and gzipped (level 9, each file on its own as a server sends it). */
function measure(outDir: string, files: string[]): JavaScriptSize {
  let raw = 0;
  let gzip = 0;
  for (const name of files) {
    const content = readFileSync(join(outDir, name));
    raw += content.length;
    gzip += gzipSync(content, { level: 9 }).length;
  }
  return { raw, gzip, files };
}

/** The JavaScript `page` (a built HTML file) loads before anything happens: its scripts and module preloads. */
export function firstLoadJavaScript(outDir: string, page: string): JavaScriptSize {
  const html = readFileSync(join(outDir, page), 'utf8');
  const files = new Set<string>();
  for (const [tag] of html.matchAll(/<(script|link)\b[^>]*>/g)) {
    const url = /\b(?:src|href)="([^"]+\.js)"/.exec(tag)?.[1];
    if (url && (tag.startsWith('<script') || /\brel="modulepreload"/.test(tag))) files.add(url.replace(/^.*?\/assets\//, 'assets/'));
  }
  return measure(outDir, [...files]);
}

/** The signed-in view's chunk: what the app page loads next when there is a session. */
export function signedInJavaScript(outDir: string): JavaScriptSize {
  return measure(outDir, allJavaScript(outDir).filter(isSignedInChunk));
}

/** The JavaScript no page loads at first, the signed-in view aside: what a feature loads when it is used. */
export function onDemandJavaScript(outDir: string, pages: string[]): JavaScriptSize {
  const loaded = new Set(pages.flatMap((page) => firstLoadJavaScript(outDir, page).files));
  return measure(
    outDir,
    allJavaScript(outDir).filter((name) => !loaded.has(name) && !isSignedInChunk(name)),
  );
}

const isSignedInChunk = (name: string) => /^assets\/signed-in-[\w-]+\.js$/.test(name);

/** Every JavaScript file in `outDir/assets`. */
function allJavaScript(outDir: string): string[] {
  return readdirSync(join(outDir, 'assets'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => `assets/${name}`);
}
