/** The docs cite functions and files, never line numbers: those go stale with every edit. */
import { readdirSync, readFileSync } from 'node:fs';
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
});
