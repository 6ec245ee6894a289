/**
 * Access tokens, refresh tokens and authorization codes: issued at random, kept in memory, and
 * checked against an injected clock so that tests can expire them without waiting.
 */
import { randomBytes } from 'node:crypto';
import { fingerprint } from './redact.ts';

/** The scopes the simulated consumer has: Account: Read and Repositories: Read. */
export const DEFAULT_SCOPES = 'account repository';

/** An access token the API server accepts until it expires or is revoked. */
export interface TokenRecord {
  token: string;
  /** Space-separated, e.g. `account repository`. */
  scopes: string;
  /** Clock time (ms) from which the token is expired. */
  expiresAt: number;
  revoked: boolean;
  /** The consumer it was issued to; null for tokens minted by tests. */
  clientId: string | null;
}

/** A one-time authorization code waiting to be exchanged at the token endpoint. */
export interface CodeRecord {
  clientId: string;
  /** The `redirect_uri` the authorize request carried, if any: the exchange must repeat it. */
  redirectUri: string | undefined;
  scopes: string;
  expiresAt: number;
  used: boolean;
}

/** Why a token was not accepted. */
export type TokenProblem = 'unknown' | 'expired' | 'revoked';

/** Why a code or refresh token was not accepted. */
export type GrantProblem = 'unknown' | 'used' | 'expired' | 'wrong-client' | 'redirect-mismatch';

/** The in-memory store of everything the authorization server has issued. */
export interface TokenStore {
  issueToken(input: { clientId: string | null; scopes: string; lifetimeSeconds: number; now: number }): TokenRecord;
  checkToken(token: string, now: number): { ok: true; record: TokenRecord } | { ok: false; problem: TokenProblem };
  revoke(token: string): void;
  /** Makes every token issued so far expired as of `now`. */
  expireAll(now: number): void;
  issueCode(input: Omit<CodeRecord, 'used' | 'expiresAt'> & { lifetimeSeconds: number; now: number }): string;
  /** Uses up a code: a second attempt fails even if the first one did. */
  redeemCode(
    code: string,
    exchange: { clientId: string; redirectUri: string | undefined; now: number },
  ): { ok: true; record: CodeRecord } | { ok: false; problem: GrantProblem };
  /** A refresh token for one consumer; `lifetimeSeconds` null = it never expires. */
  issueRefreshToken(input: { clientId: string; scopes: string; lifetimeSeconds: number | null; now: number }): string;
  /**
   * Checks a refresh token for a refresh. With `rotate` it is used up (the caller issues the next
   * one), so presenting it again fails as an unknown token, as Bitbucket does since CHANGE-3052.
   */
  useRefreshToken(
    refreshToken: string,
    use: { clientId: string; now: number; rotate: boolean },
  ): { ok: true; scopes: string } | { ok: false; problem: GrantProblem };
  /** Fingerprints of the rotated refresh tokens that were presented again after their use (a client's bug or a replay). */
  refreshTokensUsedTwice(): string[];
}

/** A random, opaque, URL-safe string. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Creates an empty store. */
export function createTokenStore(): TokenStore {
  const tokens = new Map<string, TokenRecord>();
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, { clientId: string; scopes: string; expiresAt: number }>();
  // Rotated refresh tokens, kept to tell a second use from a token never issued.
  const usedRefreshTokens = new Set<string>();
  const usedTwice = new Set<string>();

  return {
    issueToken({ clientId, scopes, lifetimeSeconds, now }) {
      const record: TokenRecord = {
        token: randomToken(48),
        scopes,
        expiresAt: now + lifetimeSeconds * 1000,
        revoked: false,
        clientId,
      };
      tokens.set(record.token, record);
      return record;
    },

    checkToken(token, now) {
      const record = tokens.get(token);
      if (record === undefined) return { ok: false, problem: 'unknown' };
      if (record.revoked) return { ok: false, problem: 'revoked' };
      if (now >= record.expiresAt) return { ok: false, problem: 'expired' };
      return { ok: true, record };
    },

    revoke(token) {
      const record = tokens.get(token);
      if (record !== undefined) record.revoked = true;
    },

    expireAll(now) {
      for (const record of tokens.values()) record.expiresAt = Math.min(record.expiresAt, now);
    },

    issueCode({ lifetimeSeconds, now, ...rest }) {
      const code = randomToken(24);
      codes.set(code, { ...rest, expiresAt: now + lifetimeSeconds * 1000, used: false });
      return code;
    },

    redeemCode(code, { clientId, redirectUri, now }) {
      const record = codes.get(code);
      if (record === undefined) return { ok: false, problem: 'unknown' };
      if (record.used) return { ok: false, problem: 'used' };
      // Used up before the remaining checks, so a code cannot be tried twice (RFC 6749 §4.1.2).
      record.used = true;
      if (now >= record.expiresAt) return { ok: false, problem: 'expired' };
      if (record.clientId !== clientId) return { ok: false, problem: 'wrong-client' };
      if (record.redirectUri !== undefined && record.redirectUri !== redirectUri) {
        return { ok: false, problem: 'redirect-mismatch' };
      }
      return { ok: true, record };
    },

    issueRefreshToken({ clientId, scopes, lifetimeSeconds, now }) {
      const refreshToken = randomToken(32);
      const expiresAt = lifetimeSeconds === null ? Number.POSITIVE_INFINITY : now + lifetimeSeconds * 1000;
      refreshTokens.set(refreshToken, { clientId, scopes, expiresAt });
      return refreshToken;
    },

    useRefreshToken(refreshToken, { clientId, now, rotate }) {
      const record = refreshTokens.get(refreshToken);
      if (record === undefined && usedRefreshTokens.has(refreshToken)) {
        usedTwice.add(refreshToken);
        return { ok: false, problem: 'used' };
      }
      if (record === undefined) return { ok: false, problem: 'unknown' };
      if (record.clientId !== clientId) return { ok: false, problem: 'wrong-client' };
      if (now >= record.expiresAt) {
        refreshTokens.delete(refreshToken);
        return { ok: false, problem: 'expired' };
      }
      if (rotate) {
        refreshTokens.delete(refreshToken);
        usedRefreshTokens.add(refreshToken);
      }
      return { ok: true, scopes: record.scopes };
    },

    refreshTokensUsedTwice: () => [...usedTwice].map(fingerprint),
  };
}
