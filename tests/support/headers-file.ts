/**
 * A reading of a `_headers` file (Cloudflare's and Netlify's format) of its own, independent of
 * scripts/security-headers.ts that writes it: which headers a path is declared to get. The edge
 * tests compare what the Worker really sends with this.
 * @see https://developers.cloudflare.com/workers/static-assets/headers/
 */

/** One rule: a path pattern, the headers it sets, the names it detaches (`! Name`) from other rules. */
export interface HeadersFileRule {
  readonly pattern: string;
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
  readonly detach: readonly string[];
}

/** What a path is declared to get: each header name (lower case) with every value a matching rule gives it. */
export type DeclaredHeaders = ReadonlyMap<string, readonly string[]>;

/** Parses the file's text into its rules, in order; throws on a line that belongs to no rule or is no header. */
export function parseHeadersFile(text: string): HeadersFileRule[] {
  const rules: Array<{ pattern: string; headers: Array<[string, string]>; detach: string[] }> = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), headers: [], detach: [] });
      continue;
    }
    const rule = rules.at(-1);
    if (rule === undefined) throw new Error(`line ${index + 1}: a header before any path`);
    const detached = /^\s+!\s*([\w-]+)\s*$/.exec(line);
    const header = /^\s+([\w-]+):\s*(.*?)\s*$/.exec(line);
    if (detached?.[1] !== undefined) rule.detach.push(detached[1].toLowerCase());
    else if (header?.[1] !== undefined && header[2] !== undefined) rule.headers.push([header[1].toLowerCase(), header[2]]);
    else throw new Error(`line ${index + 1}: neither "Name: value" nor "! Name": ${line}`);
  }
  return rules;
}

/** Whether `pattern` matches `path`: `*` stands for any characters (a splat), `:name` for one path segment. */
export function patternMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split(/(\*|:[A-Za-z]\w*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') && part.length > 1 ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(path);
}

/**
 * The headers `path` is declared to get. Every matching rule adds its headers; a `! Name` in a
 * matching rule takes that name away from the other matching rules (not from its own). A name
 * with two values is what a host sends twice (or joined by a comma).
 */
export function declaredHeaders(rules: readonly HeadersFileRule[], path: string): DeclaredHeaders {
  const matching = rules.filter((rule) => patternMatches(rule.pattern, path));
  const declared = new Map<string, string[]>();
  for (const rule of matching) {
    for (const [name, value] of rule.headers) {
      if (matching.some((other) => other !== rule && other.detach.includes(name))) continue;
      declared.set(name, [...(declared.get(name) ?? []), value]);
    }
  }
  return declared;
}

/**
 * The names the file speaks of for `path`: those a matching rule sets or detaches. What else a
 * host sends there (Content-Type, ETag, …) is the host's; these must come exactly as declared.
 */
export function governedNames(rules: readonly HeadersFileRule[], path: string): ReadonlySet<string> {
  const matching = rules.filter((rule) => patternMatches(rule.pattern, path));
  return new Set(matching.flatMap((rule) => [...rule.headers.map(([name]) => name), ...rule.detach]));
}

/** One line of a comparison: a governed header, what was declared, what came. */
export interface HeaderComparison {
  readonly name: string;
  readonly declared: readonly string[];
  readonly received: readonly string[];
  readonly same: boolean;
}

/**
 * Compares, header by header and both ways, what a path was declared to get with what it
 * received (`received` as name/value pairs, a repeated header once per pair): every governed name,
 * declared or received, with its values in order.
 */
export function compareHeaders(
  governed: ReadonlySet<string>,
  declared: DeclaredHeaders,
  received: ReadonlyArray<{ readonly name: string; readonly value: string }>,
): HeaderComparison[] {
  return [...governed].sort().map((name) => {
    const want = declared.get(name) ?? [];
    const got = received.filter((header) => header.name.toLowerCase() === name).map((header) => header.value);
    return { name, declared: want, received: got, same: want.length === got.length && want.every((value, i) => value === got[i]) };
  });
}
