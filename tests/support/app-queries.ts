/** Small helpers shared by the DOM tests of the app. */
import { screen, waitFor } from '@testing-library/dom';
import { expect } from 'vitest';
import { repo } from './fake-fetch.ts';

/** `count` repositories in `workspace`. */
export const many = (workspace: string, count: number) => Array.from({ length: count }, (_, n) => repo(workspace, n));

/** Waits until the status line says `text`, and returns it. */
export async function loaded(text: RegExp | string) {
  const status = await screen.findByRole('status');
  await waitFor(() => expect(status.textContent).toMatch(text));
  return status;
}
