// @vitest-environment jsdom
/** The Flow inspector's button on its own: when it shows, and which opening renders the inspector. */
import { fireEvent, screen } from '@testing-library/dom';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFlowRecorder } from '../../src/flow-record.ts';
import { mountFlowToggle } from '../../src/flow-toggle.ts';
import { memoryStorage } from '../support/memory-storage.ts';

let container: HTMLElement;

beforeEach(() => {
  const page = new DOMParser().parseFromString(readFileSync(resolve(import.meta.dirname, '../../index.html'), 'utf8'), 'text/html');
  container = document.importNode(page.getElementById('flow') as HTMLElement, true);
  document.body.replaceChildren(container);
});

const recorder = () =>
  createFlowRecorder(
    memoryStorage(),
    () => 1_800_000_000_000,
    () => 0,
  );

describe('the Flow inspector button', () => {
  it('shows for a tab that has as many requests as steps recorded', async () => {
    const flow = recorder();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?state=s' });
    await flow.recordFetch(async () => Response.json({}))('https://api.example/2.0/user');
    mountFlowToggle(container, flow);
    expect(container.hidden).toBe(false);
  });

  it('closed again before its code has loaded, renders nothing', async () => {
    const flow = recorder();
    flow.record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize?state=s' });
    mountFlowToggle(container, flow);
    const button = screen.getByRole('button', { name: 'Flow inspector' });
    fireEvent.click(button);
    fireEvent.click(button);
    await import('../../src/flow-inspector.ts');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(container.querySelector('section')?.hidden).toBe(true);
    expect(container.querySelector('h3')).toBeNull();
  });
});
