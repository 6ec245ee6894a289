/** Where the Flow inspector's record lives between the pages of a sign-in, and the clock its requests are timed on. */
import { describe, expect, it } from 'vitest';
import { createFlowRecorder } from '../../src/flow-record.ts';
import { memoryStorage } from '../support/memory-storage.ts';

describe('flow recorder', () => {
  it('keeps the steps under the sessionStorage key the README names, for the next page to read', () => {
    const storage = memoryStorage();
    createFlowRecorder(
      storage,
      () => 5_000,
      () => 0,
    ).record({ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize' });
    expect(storage.keys()).toEqual(['bitbucket-starter:flow']);
    expect(
      createFlowRecorder(
        storage,
        () => 6_000,
        () => 0,
      ).steps,
    ).toEqual([{ step: 'authorize', url: 'https://bitbucket.org/site/oauth2/authorize', at: 5_000 }]);
  });

  it('knows when the page’s own clock started, to place its requests in time', () => {
    expect(
      createFlowRecorder(
        memoryStorage(),
        () => 1_800_000_000_000,
        () => 250,
      ).pageOpenedAt,
    ).toBe(1_800_000_000_000 - 250);
  });
});
