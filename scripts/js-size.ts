/** The size of the JavaScript a build ships: what the 10 kB (gzipped) budget is about. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Both pages together may ship at most this much JavaScript, gzipped. */
export const JS_BUDGET_GZIP_BYTES = 10_000;

/** Bytes of every JavaScript file in `outDir/assets`, raw and gzipped (level 9). */
export function javascriptBytes(outDir: string): { raw: number; gzip: number; files: number } {
  const assets = join(outDir, 'assets');
  const files = readdirSync(assets).filter((name) => name.endsWith('.js'));
  let raw = 0;
  let gzip = 0;
  for (const name of files) {
    const content = readFileSync(join(assets, name));
    raw += content.length;
    gzip += gzipSync(content, { level: 9 }).length;
  }
  return { raw, gzip, files: files.length };
}
