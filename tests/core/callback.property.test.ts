// @vitest-environment node
/**
 * Properties of the callback reader: whatever Bitbucket (or someone crafting a link) puts in the
 * address, `readCallback` hands out a token only when every rule of the implicit grant holds.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readCallback, type CallbackErrorCode, type CallbackResult } from '../../packages/bitbucket-browser-auth/src/callback.ts';
import type { PendingSignIn } from '../../packages/bitbucket-browser-auth/src/session.ts';
import {
  anyText,
  FAITHFUL_WRITERS,
  faithfulWriter,
  hostileText,
  shuffle,
  shuffleSeed,
  unicodeText,
  urlSyntaxText,
  writeParams,
  type ParamWriter,
  type WrittenParam,
} from '../support/arbitraries.ts';

const RUNS = { numRuns: 10_000 };
/** 10,000 runs take about a second; on a busy machine, several. */
const SLOW = { timeout: 30_000 };

/** `expect(actual).toStrictEqual(expected)`, comparing cheaply first: it runs 10,000 times a property. */
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

// ---------------------------------------------------------------------------------------------
// The oracle: the rules, restated without looking at how src/callback.ts does it.
// ---------------------------------------------------------------------------------------------

const HEX = /^[0-9a-fA-F]$/;

/** Decodes one name or value of `application/x-www-form-urlencoded` text (WHATWG URL §5.1). */
function formDecode(text: string): string {
  // `+` is a space; `%XX` is a byte; anything else is its UTF-8 bytes; the bytes are read as UTF-8.
  const bytes = new TextEncoder().encode(text.replaceAll('+', ' '));
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const high = String.fromCharCode(bytes[i + 1] ?? 0);
    const low = String.fromCharCode(bytes[i + 2] ?? 0);
    if (byte === 0x25 && HEX.test(high) && HEX.test(low)) {
      out.push(parseInt(high + low, 16));
      i += 2;
    } else {
      out.push(byte);
    }
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(out));
}

/** The parameters of a query or fragment, in order, repeats kept. */
function formParse(text: string): Array<[string, string]> {
  return text
    .split('&')
    .filter((piece) => piece !== '')
    .map((piece) => {
      const equals = piece.indexOf('=');
      return equals === -1 ? [formDecode(piece), ''] : [formDecode(piece.slice(0, equals)), formDecode(piece.slice(equals + 1))];
    });
}

function valuesOf(params: Array<[string, string]>, name: string): string[] {
  return params.filter(([n]) => n === name).map(([, value]) => value);
}

function hasRepeats(params: Array<[string, string]>): boolean {
  return new Set(params.map(([name]) => name)).size !== params.length;
}

/** `bearer` in any mix of ASCII upper and lower case. */
function isBearer(value: string): boolean {
  return value.length === 6 && [...value].every((char, i) => char === 'bearer'[i] || char === 'BEARER'[i]);
}

/** A positive whole number of seconds written plainly: 1–9 ASCII digits, the first not 0. */
function isLifetime(value: string): boolean {
  return value.length >= 1 && value.length <= 9 && value[0] !== '0' && [...value].every((char) => char >= '0' && char <= '9');
}

/** Non-empty, and every character printable ASCII other than space (fits an Authorization header). */
function isTokenText(value: string): boolean {
  return value.length > 0 && [...value].every((char) => char.charCodeAt(0) >= 0x21 && char.charCodeAt(0) <= 0x7e);
}

/** The OAuth error as the user may see it: a code-like value (1–40 of a–z and `_`), or `unknown`. */
function shownError(error: string): string {
  const codeLike = error.length >= 1 && error.length <= 40 && [...error].every((char) => char === '_' || (char >= 'a' && char <= 'z'));
  return codeLike ? error : 'unknown';
}

function oauthErrorCode(error: string): CallbackErrorCode {
  if (error === 'access_denied') return 'ACCESS_DENIED';
  if (error === 'unsupported_response_type' || error === 'unauthorized_client') return 'GRANT_UNSUPPORTED';
  return 'OAUTH_ERROR';
}

type Verdict =
  | { ok: true; token: string; lifetime: number; scopeText: string }
  | { ok: false; broken: Set<CallbackErrorCode>; oauthError?: string }
  | { ok: 'unsure' };

/**
 * What the reader must decide: accept, or refuse with one of the codes of the rules broken.
 * Each rule is checked on its own; when several are broken, any of their codes is right.
 */
function expectedVerdict(hash: string, search: string, pending: PendingSignIn | null): Verdict {
  // Past the `#` that starts it, a `?` leading the fragment is dropped too (URLSearchParams does;
  // harmless, and it keeps `#?…` from being read two ways). The query loses only its own `?`.
  const fragment = formParse(hash.replace(/^#/, '').replace(/^\?/, ''));
  const query = formParse(search.replace(/^\?/, ''));
  // Node's URLSearchParams (unlike the WHATWG spec and browsers) garbles text that mixes raw non-ASCII
  // and percent-escapes: `é%23%2` gives `�#%2`, `é%A9` gives `�`. A real `location.hash` or `search`
  // is ASCII, so this oracle does not judge such text; it still goes through "never throws".
  const garbled = (text: string) => text.split('&').some((piece) => /[\u0080-\uffff]/.test(piece) && piece.includes('%'));
  if (garbled(hash) || garbled(search)) return { ok: 'unsure' };
  const broken = new Set<CallbackErrorCode>();
  // Only a parameter that appears exactly once has a value worth checking; a repeat is its own rule.
  const once = (name: string): string | undefined => {
    const values = valuesOf(fragment, name);
    return values.length === 1 ? values[0] : undefined;
  };
  const present = (name: string) => valuesOf(fragment, name).length > 0;

  if (hasRepeats(fragment)) broken.add('REPEATED_PARAMETER');
  const fragmentErrors = valuesOf(fragment, 'error');
  const queryErrors = valuesOf(query, 'error');
  for (const error of [...fragmentErrors, ...queryErrors]) broken.add(oauthErrorCode(error));
  // The query carries no credentials, so its repeats only matter when it carries an error.
  if (queryErrors.length > 0 && hasRepeats(query)) broken.add('REPEATED_PARAMETER');
  if (fragment.length === 0) broken.add('NO_RESPONSE');

  const state = once('state');
  if (!present('state') || state === '') broken.add('STATE_MISSING');
  if (pending === null) broken.add('NO_PENDING_SIGN_IN');
  else if (state !== undefined && state !== '' && state !== pending.state) broken.add('STATE_MISMATCH');

  const token = once('access_token');
  if (!present('access_token') || token === '') broken.add('TOKEN_MISSING');
  else if (token !== undefined && !isTokenText(token)) broken.add('TOKEN_INVALID');

  const tokenType = once('token_type');
  if (!present('token_type') || (tokenType !== undefined && !isBearer(tokenType))) broken.add('TOKEN_TYPE_UNSUPPORTED');

  const expiresIn = once('expires_in');
  if (!present('expires_in') || (expiresIn !== undefined && !isLifetime(expiresIn))) broken.add('EXPIRES_IN_INVALID');

  if (present('scope') && present('scopes')) broken.add('REPEATED_PARAMETER');

  if (broken.size > 0) {
    const error =
      fragmentErrors.length === 1
        ? fragmentErrors[0]
        : fragmentErrors.length === 0 && queryErrors.length === 1
          ? queryErrors[0]
          : undefined;
    return error === undefined ? { ok: false, broken } : { ok: false, broken, oauthError: error };
  }
  return { ok: true, token: token!, lifetime: Number(expiresIn), scopeText: once('scope') ?? once('scopes') ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const ERROR_CODES = new Set<CallbackErrorCode>(['ACCESS_DENIED', 'GRANT_UNSUPPORTED', 'OAUTH_ERROR']);

/** `bearer` in a random mix of cases. */
const bearerSpelling = fc.mixedCase(fc.constant('bearer'));

const tokenText = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 });

const base64urlState = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 22,
  maxLength: 43,
});
const stateText = fc.oneof(base64urlState, unicodeText({ minLength: 1 }));

const scopeName = fc.oneof(
  fc.constantFrom('account', 'repository', 'repository:write', 'pullrequest', 'webhook', 'snippet:write', 'project:admin', 'email'),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz:_-'), minLength: 1, maxLength: 12 }),
);

/** The names the reader knows; an "unknown" parameter is none of these. */
const KNOWN = ['state', 'access_token', 'token_type', 'expires_in', 'scope', 'scopes', 'error'];
const unknownName = unicodeText({ maxLength: 8 }).filter((name) => !KNOWN.includes(name));

interface ValidCallback {
  fragment: WrittenParam[];
  query: WrittenParam[];
  pending: PendingSignIn;
  now: number;
  token: string;
  lifetime: number;
  scopes: string[];
}

/** A callback Bitbucket could send for `pending`: every rule holds. */
const validCallback: fc.Arbitrary<ValidCallback> = fc
  .record({
    token: tokenText,
    state: stateText,
    lifetime: fc.integer({ min: 1, max: 999_999_999 }),
    tokenType: bearerSpelling,
    scopes: fc.array(scopeName, { maxLength: 4 }),
    scopeSeparator: fc.constantFrom(' ', ',', ', ', '  '),
    scopeSpelling: fc.constantFrom('scope', 'scopes', 'absent'),
    extras: fc.uniqueArray(fc.tuple(unknownName, unicodeText()), { selector: ([name]) => name, maxLength: 2 }),
    query: fc.uniqueArray(fc.tuple(fc.oneof(fc.constantFrom('state', 'access_token', 'returnTo'), unknownName), unicodeText()), {
      selector: ([name]) => name,
      maxLength: 2,
    }),
    // Two bits a parameter choose how it is written.
    writers: fc.nat(),
    returnTo: unicodeText(),
    createdAt: fc.integer({ min: 0, max: 2 ** 42 }),
    now: fc.integer({ min: 0, max: 2 ** 42 }),
    order: shuffleSeed,
  })
  .map((c): ValidCallback => {
    const writer = (i: number): ParamWriter => FAITHFUL_WRITERS[(c.writers >>> (2 * i)) & 3]!;
    const fragment: WrittenParam[] = [
      { name: 'access_token', value: c.token, writer: writer(0) },
      { name: 'token_type', value: c.tokenType, writer: writer(1) },
      { name: 'expires_in', value: String(c.lifetime), writer: writer(2) },
      { name: 'state', value: c.state, writer: writer(3) },
      ...c.extras.map(([name, value], i) => ({ name, value, writer: writer(4 + i) })),
    ];
    const scopes = c.scopeSpelling === 'absent' ? [] : c.scopes;
    if (c.scopeSpelling !== 'absent') fragment.push({ name: c.scopeSpelling, value: c.scopes.join(c.scopeSeparator), writer: writer(8) });
    const query = c.query.map(([name, value], i) => ({ name, value, writer: writer(9 + i) }));
    return {
      fragment: shuffle(fragment, c.order),
      query,
      pending: { state: c.state, returnTo: c.returnTo, createdAt: c.createdAt },
      now: c.now,
      token: c.token,
      lifetime: c.lifetime,
      scopes,
    };
  });

function read(
  callback: Pick<ValidCallback, 'fragment' | 'query' | 'pending' | 'now'>,
  pending: PendingSignIn | null = callback.pending,
): CallbackResult {
  const search = callback.query.length > 0 ? `?${writeParams(callback.query)}` : '';
  return readCallback({ hash: `#${writeParams(callback.fragment)}`, search }, pending, callback.now);
}

/** Index `n` (any natural number) folded into `0..length`. */
const at = (n: number, length: number) => n % (length + 1);

function insertAt<T>(items: readonly T[], position: number, item: T): T[] {
  const i = at(position, items.length);
  return [...items.slice(0, i), item, ...items.slice(i)];
}

function withValue(callback: ValidCallback, name: string, value: string): ValidCallback {
  return { ...callback, fragment: callback.fragment.map((param) => (param.name === name ? { ...param, value } : param)) };
}

/** Near-valid callbacks: each rule usually holds, sometimes not; written in every way, raw included. */
const STATE_POOL = ['st-1', 'ST-1', 'a+b', 'a b', 'é', '%41', 'A'];
const odd = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1.5',
    '0123',
    '1000000000',
    ' 7200',
    '７２００',
    'bearer ',
    'mac',
    'tok en',
    'tok\u0000',
    'tøk',
    'access_denied',
  ),
  anyText(6),
  urlSyntaxText,
);
const writerOrRaw = fc.constantFrom<ParamWriter>('uri', 'form', 'bytes', 'BYTES', 'raw', 'raw');

function nearParam(name: fc.Arbitrary<string>, good: fc.Arbitrary<string>): fc.Arbitrary<WrittenParam> {
  return fc.record({ name, value: fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: odd }), writer: writerOrRaw });
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>, freq: number) => fc.option(arbitrary, { freq, nil: undefined });

/** A fragment whose `state` is usually `expectedState` (when there is one). */
function nearFragment(expectedState: string | undefined): fc.Arbitrary<string> {
  const state = expectedState
    ? fc.oneof({ weight: 6, arbitrary: fc.constant(expectedState) }, fc.constantFrom(...STATE_POOL))
    : fc.constantFrom(...STATE_POOL);
  return fc
    .record({
      state: maybe(nearParam(fc.constant('state'), state), 20),
      token: maybe(nearParam(fc.constant('access_token'), fc.constantFrom('tok-123', 'a.b~c_d-e', 'x/y=', 'p+q', '%41')), 20),
      tokenType: maybe(nearParam(fc.constant('token_type'), fc.constantFrom('bearer', 'Bearer', 'BEARER', 'bEaReR')), 20),
      expiresIn: maybe(nearParam(fc.constant('expires_in'), fc.constantFrom('7200', '3600', '1', '999999999')), 20),
      scope: maybe(nearParam(fc.constant('scope'), fc.constantFrom('repository account', 'account,repository', '')), 2),
      scopes: maybe(nearParam(fc.constant('scopes'), fc.constantFrom('repository', 'account repository')), 2),
      extras: fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        fc.array(
          nearParam(
            fc.constantFrom('error', 'error_description', 'state', 'access_token', 'expires_in', 'scope', 'x', '', 'State'),
            fc.constantFrom('access_denied', 'unauthorized_client', 'st-1', 'x'),
          ),
          { minLength: 1, maxLength: 2 },
        ),
      ),
      prefix: fc.constantFrom('#', '#', '#', '#', '##', '#&', '#?'),
      junk: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, urlSyntaxText),
      order: shuffleSeed,
    })
    .map(({ state, token, tokenType, expiresIn, scope, scopes, extras, prefix, junk, order }) => {
      const params = shuffle(
        [state, token, tokenType, expiresIn, scope, scopes, ...extras].filter((p) => p !== undefined),
        order,
      );
      return `${prefix}${writeParams(params)}${junk === '' ? '' : `&${junk}`}`;
    });
}

const nearQuery: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  fc
    .array(
      nearParam(
        fc.constantFrom('error', 'error_description', 'state', 'foo'),
        fc.constantFrom('access_denied', 'unsupported_response_type', 'x'),
      ),
      { maxLength: 3 },
    )
    .map((params) => `?${writeParams(params)}`),
);

const nearPending: fc.Arbitrary<PendingSignIn | null> = fc.option(
  fc.record({
    state: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...STATE_POOL) }, fc.constant(''), anyText(8)),
    returnTo: anyText(),
    createdAt: fc.integer(),
  }),
  { freq: 8 },
);

/** An address and a pending sign-in that usually go together. */
const nearCallback = nearPending.chain((pending) =>
  fc.record({ hash: nearFragment(pending?.state), search: nearQuery, pending: fc.constant(pending) }),
);

const hostilePending: fc.Arbitrary<PendingSignIn | null> = fc.option(
  fc.record({ state: fc.oneof(anyText(), fc.constantFrom(...STATE_POOL)), returnTo: anyText(), createdAt: fc.integer() }),
  { freq: 3 },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('readCallback, for any address', SLOW, () => {
  it('never throws, and always answers a well-formed result', () => {
    const codes = new Set<string>([
      ...ERROR_CODES,
      'NO_RESPONSE',
      'REPEATED_PARAMETER',
      'STATE_MISSING',
      'NO_PENDING_SIGN_IN',
      'STATE_MISMATCH',
      'TOKEN_MISSING',
      'TOKEN_INVALID',
      'TOKEN_TYPE_UNSUPPORTED',
      'EXPIRES_IN_INVALID',
    ]);
    fc.assert(
      fc.property(
        fc.oneof(hostileText({ huge: true }), nearFragment(undefined)),
        fc.oneof(hostileText({ huge: true }), nearQuery),
        hostilePending,
        fc.oneof(fc.integer(), fc.double()),
        (hash, search, pending, now) => {
          // A throw fails the property, and fast-check reports the input.
          const result = readCallback({ hash, search }, pending, now);
          if (
            result.ok
              ? result.returnTo !== pending?.returnTo || typeof result.credentials.accessToken !== 'string'
              : !codes.has(result.code)
          ) {
            expect.unreachable(`malformed result ${JSON.stringify(result)}`);
          }
        },
      ),
      RUNS,
    );
  });

  it('accepts exactly when every rule holds, and otherwise refuses for a rule that is broken', () => {
    // A real `location.hash` or `search` is ASCII (the URL parser percent-encodes the rest), and
    // starts with its `#` or `?` unless it is empty.
    const asciiJunk = fc.oneof(urlSyntaxText, fc.string({ unit: 'binary-ascii', maxLength: 100 }));
    const after = (start: string) => asciiJunk.map((text) => (text === '' ? '' : `${start}${text}`));
    const seen = { ok: 0, unsure: 0, codes: new Set<string>() };
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 6, arbitrary: nearCallback },
          fc.record({ hash: after('#'), search: fc.oneof(nearQuery, after('?')), pending: nearPending }),
        ),
        fc.integer({ min: 0, max: 2 ** 42 }),
        ({ hash, search, pending }, now) => {
          const result = readCallback({ hash, search }, pending, now);
          const expected = expectedVerdict(hash, search, pending);
          if (expected.ok === 'unsure') {
            seen.unsure++;
          } else if (expected.ok) {
            seen.ok++;
            const scopes = result.ok ? result.credentials.scopes : [];
            expectSame(result, {
              ok: true,
              credentials: {
                kind: 'bearer',
                accessToken: expected.token,
                expiresAt: now + expected.lifetime * 1000,
                obtainedAt: now,
                scopes,
              },
              returnTo: pending?.returnTo,
            });
            // Each scope is a piece of the scope text Bitbucket sent, never something made up.
            if (!scopes.every((scope) => scope !== '' && expected.scopeText.includes(scope))) {
              expect.unreachable(`scopes ${JSON.stringify(scopes)} are not pieces of ${JSON.stringify(expected.scopeText)}`);
            }
          } else if (result.ok) {
            expect.unreachable(`accepted, though these rules are broken: ${[...expected.broken].join(', ')}`);
          } else {
            seen.codes.add(result.code);
            if (!expected.broken.has(result.code))
              expect.unreachable(`refused with ${result.code}; the rules broken are ${[...expected.broken].join(', ')}`);
            if (ERROR_CODES.has(result.code) && expected.oauthError !== undefined)
              expectSame(result.oauthError, shownError(expected.oauthError));
          }
        },
      ),
      RUNS,
    );
    // The generator must reach both verdicts and most refusals, or this property proves little.
    expect(seen.ok).toBeGreaterThan(800);
    expect(seen.unsure).toBeLessThan(1_500);
    expect(seen.codes.size).toBeGreaterThanOrEqual(10);
  });
});

describe('readCallback, for a callback Bitbucket could send', SLOW, () => {
  it('accepts it, with the token given, an absolute expiry, the scopes and where to return', () => {
    fc.assert(
      fc.property(validCallback, (callback) => {
        expectSame(read(callback), {
          ok: true,
          credentials: {
            kind: 'bearer',
            accessToken: callback.token,
            expiresAt: callback.now + callback.lifetime * 1000,
            obtainedAt: callback.now,
            scopes: callback.scopes,
          },
          returnTo: callback.pending.returnTo,
        });
      }),
      RUNS,
    );
  });

  it('accepts nothing when no sign-in is pending', () => {
    // Any other address with nothing pending is covered above: nearPending is null one time in 8.
    fc.assert(
      fc.property(validCallback, (callback) => {
        expectSame(read(callback, null), { ok: false, code: 'NO_PENDING_SIGN_IN' });
      }),
      RUNS,
    );
  });
});

describe('readCallback, for a valid callback changed in one way', SLOW, () => {
  type Refusal = { ok: false; code: CallbackErrorCode; oauthError?: string };
  /** A valid callback, what was done to it, and the refusal that must follow. */
  type Changed = { what: string; callback: ValidCallback; expected: Refusal };
  const changed = (what: string, callback: ValidCallback, expected: Refusal): Changed => ({ what, callback, expected });

  const REQUIRED: Record<string, CallbackErrorCode> = {
    state: 'STATE_MISSING',
    access_token: 'TOKEN_MISSING',
    token_type: 'TOKEN_TYPE_UNSUPPORTED',
    expires_in: 'EXPIRES_IN_INVALID',
  };
  const codePoint = fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((cp) => cp < 0xd800 || cp > 0xdfff)
    .map((cp) => String.fromCodePoint(cp));

  const requiredMissing = fc
    .tuple(validCallback, fc.constantFrom(...Object.keys(REQUIRED)), fc.boolean())
    .map(([callback, name, empty]) =>
      changed(
        empty ? `${name} empty` : `${name} left out`,
        empty ? withValue(callback, name, '') : { ...callback, fragment: callback.fragment.filter((p) => p.name !== name) },
        { ok: false, code: REQUIRED[name]! },
      ),
    );

  const repeated = fc
    .tuple(validCallback, fc.nat(), fc.nat(), fc.option(unicodeText()), faithfulWriter)
    .map(([callback, which, where, otherValue, writer]) => {
      const original = callback.fragment[which % callback.fragment.length]!;
      const copy = { name: original.name, value: otherValue ?? original.value, writer };
      return changed(
        `${original.name} repeated`,
        { ...callback, fragment: insertAt(callback.fragment, where, copy) },
        { ok: false, code: 'REPEATED_PARAMETER' },
      );
    });

  const bothScopeSpellings = fc
    .tuple(validCallback, fc.nat(), fc.nat(), unicodeText(), unicodeText(), faithfulWriter)
    .map(([callback, where1, where2, value1, value2, writer]) => {
      const others = callback.fragment.filter((p) => p.name !== 'scope' && p.name !== 'scopes');
      const both = insertAt(insertAt(others, where1, { name: 'scope', value: value1, writer }), where2, {
        name: 'scopes',
        value: value2,
        writer,
      });
      return changed('both scope and scopes', { ...callback, fragment: both }, { ok: false, code: 'REPEATED_PARAMETER' });
    });

  const stateOneCharOff = fc
    .tuple(validCallback, fc.nat(), codePoint, fc.constantFrom('changed', 'dropped', 'added'))
    .map(([callback, index, char, how]) => {
      const chars = [...callback.pending.state];
      const i = index % chars.length;
      // A one-character state cannot lose its character: it gains one instead.
      const done = how === 'dropped' && chars.length === 1 ? 'added' : how;
      if (done === 'changed') chars[i] = chars[i] === char ? (char === 'x' ? 'y' : 'x') : char;
      else if (done === 'dropped') chars.splice(i, 1);
      else chars.splice(i, 0, char);
      return changed(`one character of state ${done}`, withValue(callback, 'state', chars.join('')), { ok: false, code: 'STATE_MISMATCH' });
    });

  const oauthError = fc
    .tuple(
      validCallback,
      fc.oneof(
        fc.constantFrom(
          'access_denied',
          'unsupported_response_type',
          'unauthorized_client',
          'invalid_request',
          'server_error',
          'ACCESS_DENIED',
          '',
        ),
        // Words a crafted link might put in front of the user, and code-like values up to and past 40 characters.
        fc.constantFrom('Your session expired, call +1 555 0100', 'access_denied ', 'access-denied', 'a'.repeat(40), 'a'.repeat(41)),
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), minLength: 1, maxLength: 45 }),
        unicodeText({ maxLength: 60 }),
      ),
      fc.constantFrom('fragment', 'query'),
      fc.nat(),
      faithfulWriter,
      fc.option(unicodeText()),
    )
    .map(([callback, error, place, where, writer, description]) => {
      const added: WrittenParam[] = [{ name: 'error', value: error, writer }];
      if (description !== null) added.push({ name: 'error_description', value: description, writer });
      // error_description may already be there as an "unknown" parameter; it must not be repeated.
      const fragment = callback.fragment.filter((p) => p.name !== 'error_description');
      const query = callback.query.filter((p) => p.name !== 'error_description');
      const code =
        error === 'access_denied'
          ? 'ACCESS_DENIED'
          : ['unsupported_response_type', 'unauthorized_client'].includes(error)
            ? 'GRANT_UNSUPPORTED'
            : 'OAUTH_ERROR';
      return changed(
        `error in the ${place}`,
        place === 'fragment'
          ? { ...callback, fragment: insertAt(fragment, where, added[0]!).concat(added.slice(1)), query }
          : { ...callback, fragment, query: [...added, ...query] },
        { ok: false, code, oauthError: shownError(error) },
      );
    });

  const badLifetime = fc
    .tuple(
      validCallback,
      fc.oneof(
        fc.constantFrom(
          '0',
          '00',
          '-0',
          '',
          ' ',
          '1.5',
          '3600.0',
          '1e3',
          '0x10',
          '+3600',
          ' 3600',
          '3600 ',
          '3600\n',
          '٣٦٠٠',
          '３６００',
          'Infinity',
          'NaN',
          '1_000',
        ),
        fc.integer({ max: 0 }).map(String),
        fc.integer({ min: 1, max: 99_999_999 }).map((n) => `0${n}`),
        fc.integer({ min: 1_000_000_000, max: Number.MAX_SAFE_INTEGER }).map(String),
        fc.tuple(fc.nat(), fc.integer({ min: 1, max: 999 })).map(([whole, part]) => `${whole}.${part}`),
        unicodeText({ maxLength: 12 }).filter((text) => !isLifetime(text)),
      ),
    )
    .map(([callback, lifetime]) =>
      changed(`expires_in ${JSON.stringify(lifetime)}`, withValue(callback, 'expires_in', lifetime), {
        ok: false,
        code: 'EXPIRES_IN_INVALID',
      }),
    );

  const notBearer = fc
    .tuple(
      validCallback,
      fc.oneof(
        // Near misses: padding, a NUL, a Cyrillic е, fullwidth letters, one letter short or long.
        fc.constantFrom(
          'mac',
          'MAC',
          'bearer ',
          ' bearer',
          'bearer\u0000',
          'bearer\n',
          'beare',
          'bearerr',
          'Bearer,',
          'b\u0435arer',
          'ＢＥＡＲＥＲ',
          'bearer token',
          'basic',
        ),
        unicodeText({ maxLength: 10 }).filter((text) => !isBearer(text)),
      ),
    )
    .map(([callback, tokenType]) =>
      changed(`token_type ${JSON.stringify(tokenType)}`, withValue(callback, 'token_type', tokenType), {
        ok: false,
        code: 'TOKEN_TYPE_UNSUPPORTED',
      }),
    );

  const tokenWithBadChar = fc
    .tuple(
      validCallback,
      fc.nat(),
      fc.oneof(
        fc.integer({ min: 0, max: 0x20 }),
        fc.constant(0x7f),
        fc.integer({ min: 0x80, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff),
      ),
    )
    .map(([callback, where, cp]) => {
      const token = insertAt([...callback.token], where, String.fromCodePoint(cp)).join('');
      return changed(`U+${cp.toString(16).padStart(4, '0')} in the token`, withValue(callback, 'access_token', token), {
        ok: false,
        code: 'TOKEN_INVALID',
      });
    });

  const changes = {
    'a required parameter left out or left empty': requiredMissing,
    'any parameter repeated, with the same value or another': repeated,
    'both scope and scopes': bothScopeSpellings,
    'a state one character off (changed, dropped or added)': stateOneCharOff,
    'an OAuth error added to the fragment or the query': oauthError,
    'an expires_in that is not a positive whole number of at most 9 digits': badLifetime,
    'a token_type other than bearer': notBearer,
    'a space, control or non-ASCII character in the token': tokenWithBadChar,
  };

  // One property over all kinds of change, 20,000 runs: about 2,500 for each kind.
  it(`is refused with the code for what changed (${Object.keys(changes).length} kinds)`, () => {
    const seen = new Map<fc.Arbitrary<Changed>, number>();
    const tagged = Object.values(changes).map((arbitrary) => arbitrary.map((change) => ({ change, kind: arbitrary })));
    fc.assert(
      fc.property(fc.oneof(...tagged), ({ change, kind }) => {
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        expectSame(read(change.callback), change.expected);
      }),
      { numRuns: 20_000 },
    );
    for (const [name, arbitrary] of Object.entries(changes)) expect(seen.get(arbitrary), name).toBeGreaterThan(1_500);
  });
});
