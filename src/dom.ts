/** A tiny element builder: strings always become text nodes, never HTML. */

type Child = Node | string | number | null | undefined | false;
type AttributeValue = string | number | boolean | null | undefined | ((event: Event) => void);

/**
 * Creates an element. Attributes starting with `on` are event listeners; `true` sets an empty
 * attribute; `false`, null and undefined leave it out. Children that are strings become text.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false).map((child) => (typeof child === 'number' ? String(child) : child as Node | string)));
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
  const element = root.querySelector<HTMLElement>(`[data-part="${name}"]`);
  if (!element) throw new Error(`No data-part="${name}"`);
  return element;
}
