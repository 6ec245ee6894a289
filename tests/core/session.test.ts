import { describe, expect, it } from 'vitest';
import { authorizationHeader, createSessionStore, PENDING_SIGN_IN_LIFETIME_MS } from '../../packages/bitbucket-browser-auth/src/session.ts';
import { memoryStorage } from '../support/memory-storage.ts';

function setup(start = 1_000_000) {
  let now = start;
  const storage = memoryStorage();
  const session = createSessionStore(storage, () => now, 'my-app');
  return { storage, session, advance: (ms: number) => (now += ms) };
}

describe('session store', () => {
  it('keeps a bearer token until it expires, then removes it', () => {
    const { storage, session, advance } = setup();
    session.saveCredentials({ kind: 'bearer', accessToken: 'tok', expiresAt: 1_000_000 + 60_000, scopes: ['account'] });
    advance(59_999);
    expect(session.credentials()).toMatchObject({ accessToken: 'tok' });
    advance(1);
    expect(session.credentials()).toBeNull();
    expect(storage.size).toBe(0);
  });

  it('forgets the credentials when asked, and only them', () => {
    const { storage, session } = setup();
    session.saveCredentials({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
    session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    session.clearCredentials();
    expect(session.credentials()).toBeNull();
    expect(storage.size).toBe(1);
    expect(session.takePending()).toEqual({ state: 's', returnTo: '/', createdAt: 1_000_000 });
  });

  it('keeps API-token credentials (they carry no expiry)', () => {
    const { session, advance } = setup();
    session.saveCredentials({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
    advance(10 * 24 * 3600e3);
    expect(session.credentials()).toEqual({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
  });

  it('ignores stored values of the wrong shape', () => {
    const { storage, session } = setup();
    storage.setItem('my-app:session', '{"kind":"bearer","accessToken":5}');
    expect(session.credentials()).toBeNull();
    storage.setItem('my-app:session', 'not json');
    expect(session.credentials()).toBeNull();
  });

  it.each([
    ['a bearer token without a token', { kind: 'bearer', expiresAt: 2e6 }],
    ['a bearer token without an expiry', { kind: 'bearer', accessToken: 'tok' }],
    ['API-token credentials without an email', { kind: 'basic', apiToken: 'secret' }],
    ['API-token credentials with a numeric email', { kind: 'basic', email: 5, apiToken: 'secret' }],
    ['API-token credentials without a token', { kind: 'basic', email: 'a@example.com' }],
    ['credentials of an unknown kind', { kind: 'cookie', accessToken: 'tok', expiresAt: 2e6 }],
  ])('refuses and removes %s', (_name, stored) => {
    const { storage, session } = setup();
    storage.setItem('my-app:session', JSON.stringify(stored));
    expect(session.credentials()).toBeNull();
    expect(storage.size).toBe(0);
  });

  it.each([
    ['without a state', { returnTo: '/', createdAt: 1_000_000 }],
    ['with a numeric state', { state: 5, returnTo: '/', createdAt: 1_000_000 }],
    ['without a path to return to', { state: 's', createdAt: 1_000_000 }],
    ['without a creation time', { state: 's', returnTo: '/' }],
    ['with a creation time that is not a number', { state: 's', returnTo: '/', createdAt: '1000000' }],
  ])('refuses (and deletes) a stored pending sign-in %s', (_name, stored) => {
    const { storage, session } = setup();
    storage.setItem('my-app:pending-sign-in', JSON.stringify(stored));
    expect(session.takePending()).toBeNull();
    expect(storage.size).toBe(0);
  });

  it('hands out a pending sign-in once', () => {
    const { session } = setup();
    session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    expect(session.takePending()).toEqual({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    expect(session.takePending()).toBeNull();
  });

  it('refuses (and deletes) a pending sign-in older than its lifetime', () => {
    const { session, storage, advance } = setup();
    session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    advance(PENDING_SIGN_IN_LIFETIME_MS + 1);
    expect(session.takePending()).toBeNull();
    expect(storage.size).toBe(0);
  });

  it('a pending sign-in lasts ten minutes: accepted at exactly ten, refused a millisecond later', () => {
    expect(PENDING_SIGN_IN_LIFETIME_MS).toBe(600_000);
    const early = setup();
    early.session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    early.advance(600_000);
    expect(early.session.takePending()).toMatchObject({ state: 's' });
    const late = setup();
    late.session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    late.advance(600_001);
    expect(late.session.takePending()).toBeNull();
  });

  it('keeps each thing under a key of its own, under the prefix it is given (other apps may share the origin)', () => {
    const { storage, session } = setup();
    session.saveCredentials({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
    session.savePending({ state: 's', returnTo: '/', createdAt: 1_000_000 });
    expect(storage.keys().sort()).toEqual(['my-app:pending-sign-in', 'my-app:session']);
    expect(session.key).toBe('my-app:session');
  });

  it('refuses stored credentials of another shape: a bearer token needs its token, expiry and scopes', () => {
    const { storage, session } = setup();
    const stored = { kind: 'bearer', accessToken: 'tok', expiresAt: 2_000_000, scopes: ['account'] };
    for (const broken of [
      { ...stored, scopes: 'account' },
      { ...stored, accessToken: 1 },
      { ...stored, expiresAt: '2000000' },
      { kind: 'basic', email: 'a@example.com' },
      { kind: 'basic', apiToken: 't' },
      { kind: 'other' },
    ]) {
      storage.setItem('my-app:session', JSON.stringify(broken));
      expect(session.credentials()).toBeNull();
    }
    storage.setItem('my-app:session', JSON.stringify(stored));
    expect(session.credentials()).toEqual(stored);
  });
});

describe('authorizationHeader', () => {
  it('sends a bearer token as Bearer', () => {
    expect(authorizationHeader({ kind: 'bearer', accessToken: 'abc', expiresAt: 0, scopes: [] })).toBe('Bearer abc');
  });
  it('sends an API token as HTTP Basic of email:token, UTF-8', () => {
    expect(authorizationHeader({ kind: 'basic', email: 'zoë@example.com', apiToken: 't0k' })).toBe(
      `Basic ${Buffer.from('zoë@example.com:t0k', 'utf8').toString('base64')}`,
    );
  });
});
