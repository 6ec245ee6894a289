import { describe, expect, it } from 'vitest';
import { authorizationHeader, createSessionStore, PENDING_SIGN_IN_LIFETIME_MS } from '../../src/session.ts';
import { memoryStorage } from '../support/memory-storage.ts';

function setup(start = 1_000_000) {
  let now = start;
  const storage = memoryStorage();
  const session = createSessionStore(storage, () => now);
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

  it('keeps API-token credentials (they carry no expiry)', () => {
    const { session, advance } = setup();
    session.saveCredentials({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
    advance(10 * 24 * 3600e3);
    expect(session.credentials()).toEqual({ kind: 'basic', email: 'a@example.com', apiToken: 'secret' });
  });

  it('ignores stored values of the wrong shape', () => {
    const { storage, session } = setup();
    storage.setItem('bitbucket-starter:session', '{"kind":"bearer","accessToken":5}');
    expect(session.credentials()).toBeNull();
    storage.setItem('bitbucket-starter:session', 'not json');
    expect(session.credentials()).toBeNull();
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

  it('marks the arrival after sign-in for one read', () => {
    const { session } = setup();
    session.markArrived();
    expect(session.takeArrived()).toBe(true);
    expect(session.takeArrived()).toBe(false);
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
