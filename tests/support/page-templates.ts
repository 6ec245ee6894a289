/** Puts a page's message templates (and nothing else of it) into the jsdom document. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function loadTemplates(page: 'index.html' | 'oauth-callback.html'): void {
  const html = readFileSync(resolve(import.meta.dirname, '../..', page), 'utf8');
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  for (const template of parsed.querySelectorAll('template')) document.body.append(document.importNode(template, true));
}
