/**
 * Bitbucket's partial responses: the `fields` query parameter, applied to a whole response.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#partial-response
 */

/** A parsed `fields` value: each path is a list of keys; `*` matches any key at its level. */
export interface FieldSelection {
  /** Plain paths: when there are any, only these (and `add`) are kept. */
  only: string[][];
  /** `+path`: added to the default. The simulator's default already holds everything. */
  add: string[][];
  /** `-path`: removed from what is kept. */
  remove: string[][];
}

/** Parses `fields`, e.g. `next,values.name,-values.links,+values.owner`. */
export function parseFields(spec: string): FieldSelection {
  const selection: FieldSelection = { only: [], add: [], remove: [] };
  for (const raw of spec.split(',')) {
    // A `+` sent unencoded arrives as a space: it is then an ordinary (plain) path, exactly the
    // surprise Bitbucket's docs warn about when they say to encode it as %2B.
    const token = raw.trim();
    const prefix = token[0];
    const path = (prefix === '+' || prefix === '-' ? token.slice(1) : token).split('.').filter(Boolean);
    if (path.length === 0) continue;
    if (prefix === '+') selection.add.push(path);
    else if (prefix === '-') selection.remove.push(path);
    else selection.only.push(path);
  }
  return selection;
}

/** Returns the parts of `value` that `fields` asks for; `value` itself is left untouched. */
export function applyFields(value: unknown, spec: string | null): unknown {
  if (spec === null) return value;
  const selection = parseFields(spec);
  let result = selection.only.length > 0 ? pick(value, toTree([...selection.only, ...selection.add])) : value;
  for (const path of selection.remove) result = omit(result, path);
  return result;
}

/** Paths as a tree of keys: `true` keeps everything below; `*` stands for any key. */
interface PathTree {
  [key: string]: PathTree | true;
}

// Built once per request, so that walking a page of objects allocates nothing per key.
function toTree(paths: string[][]): PathTree | true {
  const root: PathTree = {};
  for (const path of paths) {
    if (path.length === 0) return true;
    let node: PathTree = root;
    path.forEach((key, index) => {
      const existing = node[key];
      if (existing === true) return;
      if (index === path.length - 1) node[key] = true;
      else node = node[key] = existing ?? {};
    });
  }
  return root;
}

// Keeps what the tree reaches. Arrays are transparent: the tree applies to each item.
function pick(value: unknown, tree: PathTree | true): unknown {
  if (tree === true) return value;
  if (Array.isArray(value)) return value.map((item) => pick(item, tree)).filter((item) => item !== undefined);
  if (value === null) return null;
  if (typeof value !== 'object') return undefined; // a path that goes on past a plain value reaches nothing
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const exact = tree[key];
    const any = tree['*'];
    const branch = exact === true || any === true ? true : exact && any ? merge(exact, any) : (exact ?? any);
    if (branch === undefined) continue;
    const picked = pick((value as Record<string, unknown>)[key], branch);
    if (picked !== undefined) out[key] = picked;
  }
  return out;
}

function merge(a: PathTree, b: PathTree): PathTree {
  const out: PathTree = { ...a };
  for (const [key, node] of Object.entries(b)) {
    const mine = out[key];
    out[key] = mine === undefined ? node : mine === true || node === true ? true : merge(mine, node);
  }
  return out;
}

// Drops what the path reaches, copying only the objects on the way.
function omit(value: unknown, path: string[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => omit(item, path));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key !== head && head !== '*') out[key] = child;
    else if (rest.length > 0) out[key] = omit(child, rest);
  }
  return out;
}
