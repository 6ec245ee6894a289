/** The docs cite functions and files, never line numbers (those go stale with every edit), and the files they cite exist. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(resolve(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('docs', () => {
  it.each(DOCS)('%s cites no line numbers', (doc) => {
    const text = readFileSync(resolve(ROOT, doc), 'utf8');
    const citations = [...text.matchAll(/`[^`\s]+\.(?:ts|mjs|js|html|json|toml):\d+`|`:\d+`/g)].map((match) => match[0]);
    expect(citations).toEqual([]);
  });

  it.each(DOCS)('%s cites only files that exist', (doc) => {
    const text = readFileSync(resolve(ROOT, doc), 'utf8');
    const cited = [
      ...text.matchAll(/`((?:src|packages|relay|sim|scripts|tests|docs|examples|edge)\/[\w./-]+\.(?:ts|tsx|mjs|js|md|html|json|vue))`/g),
    ].map((match) => match[1] ?? '');
    expect(cited.filter((file) => !existsSync(resolve(ROOT, file)))).toEqual([]);
  });
});
