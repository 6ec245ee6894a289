/** Small DOM helpers. Text always goes in as text (`textContent`), never as HTML. */

/** A `<button type="button">` with `label` as its text, calling `onClick`. */
export function button(label: string, onClick: () => void, className = ''): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

/** A copy of the content of `<template id="…">` in the page. */
export function fromTemplate(id: string): DocumentFragment {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement)) throw new Error(`No <template id="${id}"> in this page`);
  return template.content.cloneNode(true) as DocumentFragment;
}

/** The element marked `data-part="name"` inside `root`. */
export function part(root: ParentNode, name: string): HTMLElement {
  // Parts come from this app's own templates: a missing one is a bug in them, and the first use of
  // the null this returns fails loudly. (No check here: every byte of JavaScript counts.)
  return root.querySelector(`[data-part="${name}"]`) as HTMLElement;
}
