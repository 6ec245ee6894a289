/**
 * fast-check arbitraries shared by the property tests: hostile text, and the ways a server may
 * write a parameter into a query or a fragment.
 */
import fc from 'fast-check';

/** One UTF-16 code unit of any value, lone surrogates included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Text of any UTF-16 code units: the worst `location.hash` or JSON string can hold. */
export function anyText(maxLength = 40): fc.Arbitrary<string> {
  return fc.string({ unit: anyCodeUnit, maxLength });
}

/** Well-formed Unicode text (any code point, no lone surrogate): what a server can percent-encode. */
export function unicodeText(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: 'binary', maxLength: 20, ...constraints });
}

/** Text made of what means something in a query or fragment, broken percent-escapes included. */
export const urlSyntaxText: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(
    '&',
    '=',
    '#',
    '?',
    '%',
    '+',
    ';',
    ' ',
    '%2',
    '%25',
    '%26',
    '%3D',
    '%23',
    '%2B',
    '%zz',
    '%C3',
    '%C3%A9',
    '%FF',
    '%00',
    '%E2%82',
    'a',
    'é',
    '\u0000',
    '\uD800',
  ),
  maxLength: 30,
});

/** A big string (1,000 to 32,000 code units) made by repeating a short one: cheap to generate. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 12 }),
      urlSyntaxText.filter((s) => s !== ''),
    ),
    fc.integer({ min: 1_000, max: 32_000 }),
  )
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/** Hostile text of the kinds above; `huge` adds an occasional big one (slow: use it where it matters). */
export function hostileText({ huge = false } = {}): fc.Arbitrary<string> {
  return huge
    ? fc.oneof({ weight: 10, arbitrary: anyText(100) }, { weight: 10, arbitrary: urlSyntaxText }, { weight: 1, arbitrary: hugeText })
    : fc.oneof(anyText(100), urlSyntaxText);
}

/**
 * How a server writes a name or value into `application/x-www-form-urlencoded` text: as
 * `encodeURIComponent` does, the same with `+` for spaces, every UTF-8 byte escaped (in either
 * hex case), or `raw` (as it is, so `&`, `=`, `+` and `%` keep their meaning; hostile tests only).
 */
export type ParamWriter = 'uri' | 'form' | 'bytes' | 'BYTES' | 'raw';

/** The writers that keep any well-formed text intact through a form-urlencoded parser. */
export const FAITHFUL_WRITERS: readonly ParamWriter[] = ['uri', 'form', 'bytes', 'BYTES'];
export const faithfulWriter: fc.Arbitrary<ParamWriter> = fc.constantFrom(...FAITHFUL_WRITERS);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Writes `text` as `writer` says (see {@link ParamWriter}). A lone surrogate, which no encoder can
 * write, becomes U+FFFD, as a browser would make it.
 */
export function writeParam(text: string, writer: ParamWriter): string {
  switch (writer) {
    case 'uri':
      return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
    case 'form':
      return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD')).replaceAll('%20', '+');
    case 'bytes':
    case 'BYTES': {
      // encodeURIComponent escapes every UTF-8 byte but those of unreserved ASCII: escape those too.
      const escaped = encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD')).replace(/%..|./g, (piece) =>
        piece.length === 3 ? piece : `%${piece.charCodeAt(0).toString(16)}`,
      );
      return writer === 'BYTES' ? escaped.toUpperCase() : escaped.toLowerCase();
    }
    case 'raw':
      return text;
  }
}

/** A parameter as a server writes it. */
export interface WrittenParam {
  name: string;
  value: string;
  writer: ParamWriter;
}

/** `name=value&…` text of `params`, each written its own way. */
export function writeParams(params: readonly WrittenParam[]): string {
  return params.map(({ name, value, writer }) => `${writeParam(name, writer)}=${writeParam(value, writer)}`).join('&');
}

/**
 * `items` in the order that `seed` picks (Fisher–Yates over a small seeded generator). Cheaper than
 * `fc.chain` into `fc.shuffledSubarray`, and every order of up to 12 items is reachable.
 */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const j = ((t ^ (t >>> 14)) >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A seed for {@link shuffle}. */
export const shuffleSeed: fc.Arbitrary<number> = fc.nat();
