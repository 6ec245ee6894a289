/**
 * A small subset of BBQL, Bitbucket's `q` filter language: comparisons joined by AND / OR, with
 * parentheses. Enough for `name ~ "api" AND is_private = true`.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#filtering
 */

/** A parsed filter, or why it could not be parsed. */
export type QueryResult = { ok: true; matches: (item: unknown) => boolean } | { ok: false; message: string };

type Literal = string | number | boolean | null;
type Operator = '=' | '!=' | '~' | '!~' | '>' | '>=' | '<' | '<=';
type Token =
  | { kind: 'path'; text: string }
  | { kind: 'literal'; value: Literal }
  | { kind: 'operator'; text: Operator }
  | { kind: 'and' | 'or' | 'open' | 'close' };

/** The value at a dotted path (`project.key`), or undefined. */
export function valueAt(item: unknown, path: string): unknown {
  let current = item;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Parses a `q` value into a predicate. */
export function parseQuery(text: string): QueryResult {
  try {
    const tokens = tokenize(text);
    const parser = createParser(tokens);
    const matches = parser.parseOr();
    parser.expectEnd();
    return { ok: true, matches };
  } catch (error) {
    if (error instanceof QuerySyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

class QuerySyntaxError extends Error {}

const OPERATORS: readonly Operator[] = ['!=', '!~', '>=', '<=', '=', '~', '>', '<'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'open' : 'close' });
      i += 1;
    } else if (char === '"') {
      const { value, length } = readString(text, i);
      tokens.push({ kind: 'literal', value });
      i += length;
    } else {
      const operator = OPERATORS.find((op) => rest.startsWith(op));
      const number = /^-?\d+(\.\d+)?/.exec(rest);
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
      if (operator) {
        tokens.push({ kind: 'operator', text: operator });
        i += operator.length;
      } else if (number) {
        tokens.push({ kind: 'literal', value: Number(number[0]) });
        i += number[0].length;
      } else if (word) {
        tokens.push(wordToken(word[0]));
        i += word[0].length;
      } else {
        throw new QuerySyntaxError(`Unexpected character '${char}' at position ${i}`);
      }
    }
  }
  return tokens;
}

function wordToken(word: string): Token {
  const upper = word.toUpperCase();
  if (upper === 'AND') return { kind: 'and' };
  if (upper === 'OR') return { kind: 'or' };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  if (word === 'null') return { kind: 'literal', value: null };
  return { kind: 'path', text: word };
}

function readString(text: string, start: number): { value: string; length: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i += 1) {
    const char = text[i] as string;
    if (char === '"') return { value, length: i - start + 1 };
    if (char === '\\' && i + 1 < text.length) {
      i += 1;
      value += text[i];
    } else {
      value += char;
    }
  }
  throw new QuerySyntaxError('Unterminated string');
}

type Predicate = (item: unknown) => boolean;

// Recursive descent; AND binds tighter than OR, as in BBQL.
function createParser(tokens: Token[]) {
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const take = (): Token | undefined => tokens[position++];

  const parseOr = (): Predicate => {
    const parts = [parseAnd()];
    while (peek()?.kind === 'or') {
      take();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (item) => parts.some((part) => part(item));
  };

  const parseAnd = (): Predicate => {
    const parts = [parseTerm()];
    while (peek()?.kind === 'and') {
      take();
      parts.push(parseTerm());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (item) => parts.every((part) => part(item));
  };

  const parseTerm = (): Predicate => {
    const token = take();
    if (token?.kind === 'open') {
      const inner = parseOr();
      if (take()?.kind !== 'close') throw new QuerySyntaxError('Missing closing parenthesis');
      return inner;
    }
    if (token?.kind !== 'path') throw new QuerySyntaxError('Expected a field name');
    const operator = take();
    if (operator?.kind !== 'operator') throw new QuerySyntaxError(`Expected an operator after '${token.text}'`);
    const literal = take();
    if (literal?.kind !== 'literal') throw new QuerySyntaxError(`Expected a value after '${operator.text}'`);
    const path = token.text;
    return (item) => compare(valueAt(item, path), operator.text, literal.value);
  };

  const expectEnd = (): void => {
    if (position < tokens.length) throw new QuerySyntaxError('Unexpected input after the end of the query');
  };

  return { parseOr, expectEnd };
}

function compare(actual: unknown, operator: Operator, expected: Literal): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '~':
    case '!~': {
      // `~` is a case-insensitive "contains" on strings.
      if (typeof actual !== 'string' || typeof expected !== 'string') return false;
      const contains = actual.toLowerCase().includes(expected.toLowerCase());
      return operator === '~' ? contains : !contains;
    }
    default: {
      const comparable =
        (typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string');
      if (!comparable) return false;
      const a = actual as number | string;
      const b = expected as number | string;
      if (operator === '>') return a > b;
      if (operator === '>=') return a >= b;
      if (operator === '<') return a < b;
      return a <= b;
    }
  }
}
