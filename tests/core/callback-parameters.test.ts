/** What an observer of the callback is told of its parameters: names that only look like credentials. */
import { describe, expect, it } from 'vitest';
import { callbackParameters } from '../../packages/bitbucket-browser-auth/src/callback.ts';

describe('callbackParameters', () => {
  it('reduces a credential only by its whole name: a name that merely contains one is shown as it is', () => {
    expect(callbackParameters('?code_challenge_method=S256&barcode=4006381333931&access_token_hint=yes')).toEqual([
      ['code_challenge_method', 'S256'],
      ['barcode', '4006381333931'],
      ['access_token_hint', 'yes'],
    ]);
  });

  it('cuts a long name, as it cuts a long value', () => {
    const [[name, value] = []] = callbackParameters(`#${'n'.repeat(300)}=${'v'.repeat(300)}`);
    expect(name).toBe('n'.repeat(200));
    expect(value).toBe('v'.repeat(200));
  });
});
