/**
 * Atlassian's OpenAPI description (the extract in ./openapi/) as a real JSON-schema validator,
 * and the named exceptions: each place where the description and Bitbucket's observed behaviour
 * differ, said once, with why. Nothing is switched off: an error is accepted only when a named
 * exception explains exactly that error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DISCRIMINATED_SCHEMAS } from '../../scripts/extract-openapi.ts';

// A path, not a URL: under jsdom the global URL is the DOM's, which Node's fs does not take.
const HERE = dirname(fileURLToPath(import.meta.url));

/** The extract, as the script wrote it. Loosely typed: the checks below read what they need. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DESCRIPTION: any = JSON.parse(readFileSync(join(HERE, 'openapi', 'bitbucket-openapi.json'), 'utf8'));

/** Its provenance record. */
export const PROVENANCE = JSON.parse(readFileSync(join(HERE, 'openapi', 'provenance.json'), 'utf8')) as {
  x_revision: string;
  input_sha256: string;
  operations: string[];
};

/** Query parameters every list and object endpoint takes, defined once in the API guide, not per operation. */
export const GLOBAL_QUERY_PARAMETERS = ['fields', 'pagelen', 'page'] as const;

/** What a named exception sees of one validation error. */
export interface Finding {
  error: ErrorObject;
  /** The value at the error's instance path. */
  value: unknown;
  /** The whole body. */
  body: unknown;
  status: number;
  /** Whether the request asked for a partial response (`fields`). */
  partial: boolean;
}

/** A difference between the description and Bitbucket's observed behaviour, accepted by name. */
export interface NamedException {
  name: string;
  /** Whether it concerns the simulator's answers or the requests the app and relay send. */
  about: 'answers' | 'requests';
  /** What differs and which source shows the behaviour. */
  why: string;
  explains: (finding: Finding) => boolean;
}

const under = (finding: Finding, pattern: RegExp) => pattern.test(finding.error.instancePath);

// Whether the object holding the links at `path` is a workspace (its `type` says so).
function isWorkspace(body: unknown, linksPath: string): boolean {
  return (valueAt(body, linksPath.replace(/\/links$/, '')) as { type?: unknown } | undefined)?.type === 'workspace';
}

/** Every named exception. A test checks that each one is still needed by some answer. */
export const NAMED_EXCEPTIONS: readonly NamedException[] = [
  {
    about: 'answers',
    name: 'ssh-clone-link-is-not-a-uri',
    why:
      'The description types every link href as format "uri", but the ssh clone link Bitbucket sends is ' +
      'scp-style, git@bitbucket.org:workspace/repo.git, which is no URI.',
    explains: (f) =>
      f.error.keyword === 'format' &&
      under(f, /\/links\/clone\/\d+\/href$/) &&
      typeof f.value === 'string' &&
      /^git@[^:/]+:[^\s]+\.git$/.test(f.value),
  },
  {
    about: 'answers',
    name: 'mainbranch-null',
    why: 'The description types mainbranch as a branch object; an empty repository has "mainbranch": null.',
    explains: (f) => f.error.keyword === 'type' && under(f, /(^|\/)mainbranch$/) && f.value === null,
  },
  {
    about: 'answers',
    name: 'closed-links-extended',
    why:
      'The description closes links objects (additionalProperties: false), but real answers carry more: a ' +
      "repository's links add branches, tags and source (bitbucket-facts §5), its project's links add self, and a " +
      "workspace's links add hooks.",
    explains: (f) => {
      if (f.error.keyword !== 'additionalProperties') return false;
      const extra = String(f.error.params.additionalProperty);
      const path = f.error.instancePath;
      if (/\/project\/links$/.test(path)) return extra === 'self';
      if (/^(\/values\/\d+)?\/links$/.test(path) && isWorkspace(f.body, path)) return extra === 'hooks';
      return /^(\/values\/\d+)?\/links$/.test(path) && ['branches', 'tags', 'source'].includes(extra);
    },
  },
  {
    about: 'answers',
    name: 'forbidden-detail-is-an-object',
    why:
      'The description types error.detail as a string; a 403 for a missing scope carries ' + '{"required": [...], "granted": [...]} there.',
    explains: (f) =>
      f.status === 403 &&
      f.error.keyword === 'type' &&
      f.error.instancePath === '/error/detail' &&
      typeof f.value === 'object' &&
      f.value !== null &&
      Array.isArray((f.value as { required?: unknown }).required),
  },
  {
    about: 'answers',
    name: 'partial-response-leaves-out-type',
    why:
      'Every object schema requires "type", but a partial response (fields=values.name,…) carries only the ' +
      'fields asked for, as the API guide\'s "Partial response" page shows.',
    explains: (f) => f.partial && f.error.keyword === 'required' && f.error.params.missingProperty === 'type',
  },
  {
    about: 'answers',
    name: 'hostile-record-breaks-format',
    why:
      "Not Bitbucket's difference but the simulator's own: its --hostile records exist to break careless clients, " +
      'so one of them carries a link that is not even a URI (data:text/html,<script>…). Only those records may.',
    explains: (f) =>
      f.error.keyword === 'format' &&
      /(^|\/values\/\d+)\/links\/html\/href$/.test(f.error.instancePath) &&
      String((valueAt(f.body, f.error.instancePath.replace(/\/links\/html\/href$/, '')) as { name?: unknown }).name).startsWith('hostile'),
  },
  {
    about: 'answers',
    name: 'status-not-declared',
    why:
      'Operations declare only some error statuses (GET /user lists 401 only); Bitbucket answers any error ' +
      'with its error object, so an undeclared status is checked against the "error" schema.',
    // Used by schemaFor, not by a validation error.
    explains: () => false,
  },
  {
    about: 'answers',
    name: 'rate-limit-is-plain-text',
    why:
      'The description declares no 429. Bitbucket\'s rate limiter answers text/plain "Rate limit for this ' +
      'resource has been exceeded", not an error object; the test checks that text instead.',
    explains: () => false,
  },
  {
    about: 'answers',
    name: 'file-attributes-is-a-list',
    why:
      'The description types commit_file.attributes as one string (link, executable, subrepository, binary, lfs); ' +
      'Bitbucket sends a list of them, "attributes": [] for a plain file, in recorded answers and in the ' +
      "description's own example of a directory listing.",
    explains: (f) =>
      ['type', 'enum'].includes(f.error.keyword) &&
      /\/attributes$/.test(f.error.instancePath) &&
      Array.isArray(f.value) &&
      f.value.every((item) => ['link', 'executable', 'subrepository', 'binary', 'lfs'].includes(item as string)),
  },
  {
    about: 'answers',
    name: 'source-file-is-raw',
    why:
      'GET …/src/{commit}/{path} declares one answer for 200, a JSON directory listing; for a file Bitbucket ' +
      "answers its raw contents in the file's own media type (text/plain for Markdown), as the operation's own " +
      'prose says and recorded answers show. The test checks the text against the size the listing gives.',
    // Used by the answer test, not by a validation error.
    explains: () => false,
  },
  {
    about: 'answers',
    name: 'source-meta-is-one-entry',
    why:
      'GET …/src/{commit}/{path}?format=meta answers the entry itself (a commit_file or commit_directory), as the ' +
      "operation's prose shows, not the paginated listing its 200 declares; it is checked against treeentry.",
    // Used by schemaFor, not by a validation error.
    explains: () => false,
  },
  {
    about: 'requests',
    name: 'workspace-scope-not-named',
    why:
      'The description names no OAuth consumer scope for GET /workspaces/{workspace} (its oauth2 list is empty); ' +
      "Bitbucket's scope table puts it under Account (account), as for /user/workspaces.",
    explains: () => false,
  },
];

// OpenAPI 3.0 schemas are almost JSON Schema: `nullable` is the one keyword that changes what is
// valid. `discriminator`, `example` and `x-…` are annotations, ignored by a non-strict validator.
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'properties' ? mapValues(value) : toJsonSchema(value);
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  return out;
}

function mapValues(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, toJsonSchema(child)]));
}

const ID = 'https://bitbucket-openapi.invalid/extract.json';
// ajv-formats is CommonJS; under Node's ESM loader its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
ajv.addSchema({ $id: ID, components: { schemas: toJsonSchema(DESCRIPTION.components.schemas) } });
const compiled = new Map<string, ValidateFunction>();

/** The validator of one of the description's schemas, e.g. `repository`. */
export function validatorFor(schema: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    if (DESCRIPTION.components.schemas[schema] === undefined) throw new Error(`the extract has no schema ${schema}`);
    validate = ajv.compile({ $ref: `${ID}#/components/schemas/${schema}` });
    compiled.set(schema, validate);
  }
  return validate;
}

/** One checked answer: which schema, the errors nobody explains, and the exceptions that did. */
export interface Verdict {
  schema: string;
  unexplained: Array<{ path: string; message: string | undefined; params: unknown }>;
  exceptions: string[];
}

/** The operation that answers a file's raw text, or with `format=meta` one entry. */
export const SOURCE_TEMPLATE = '/repositories/{workspace}/{repo_slug}/src/{commit}/{path}';

/**
 * The schema an operation declares for a status, or the `error` fallback (a named exception);
 * `query` tells a `format=meta` answer of `src` (another named exception).
 */
export function schemaFor(
  method: string,
  template: string,
  status: number,
  query = new URLSearchParams(),
): { schema: string; exceptions: string[] } {
  const operation = DESCRIPTION.paths[template]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`the description has no ${method} ${template}`);
  if (template === SOURCE_TEMPLATE && status === 200 && query.get('format') === 'meta') {
    return { schema: 'treeentry', exceptions: ['source-meta-is-one-entry'] };
  }
  const ref: unknown = operation.responses[String(status)]?.content?.['application/json']?.schema?.$ref;
  if (typeof ref === 'string') return { schema: ref.replace('#/components/schemas/', ''), exceptions: [] };
  if (status >= 400) return { schema: 'error', exceptions: ['status-not-declared'] };
  throw new Error(`${method} ${template} declares no JSON answer for ${status}`);
}

/**
 * Validates a body against a schema, and each object in it whose `type` names a discriminated
 * schema (a `commit_file` entry) against that one too; every error must be explained by a named
 * exception.
 */
export function check(schema: string, body: unknown, context: { status: number; partial: boolean }): Verdict {
  const verdict: Verdict = { schema, unexplained: [], exceptions: [] };
  const targets: Array<[string, string]> = [['', schema], ...discriminated(body, '')];
  for (const [pointer, name] of targets) {
    const validate = validatorFor(name);
    if (validate(valueAt(body, pointer))) continue;
    for (const found of validate.errors ?? []) {
      const error = { ...found, instancePath: pointer + found.instancePath };
      const finding: Finding = { error, value: valueAt(body, error.instancePath), body, ...context };
      const exception = NAMED_EXCEPTIONS.find((candidate) => candidate.explains(finding));
      if (exception === undefined) verdict.unexplained.push({ path: error.instancePath, message: error.message, params: error.params });
      else if (!verdict.exceptions.includes(exception.name)) verdict.exceptions.push(exception.name);
    }
  }
  return verdict;
}

// Where in a body an object's `type` names a discriminated schema, and which.
function discriminated(value: unknown, pointer: string): Array<[string, string]> {
  if (typeof value !== 'object' || value === null) return [];
  const found: Array<[string, string]> = [];
  const type = (value as { type?: unknown }).type;
  if ((DISCRIMINATED_SCHEMAS as readonly unknown[]).includes(type)) found.push([pointer, type as string]);
  for (const [key, child] of Object.entries(value))
    found.push(...discriminated(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`));
  return found;
}

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * Path templates of the description's operations, as patterns matching a concrete API path. A
 * `{path}` is a repository path: it spans segments (`content/posts/a.md`) and is empty at the root.
 */
export function matchOperation(method: string, path: string): { template: string; params: Record<string, string> } | undefined {
  for (const template of Object.keys(DESCRIPTION.paths)) {
    if (DESCRIPTION.paths[template][method.toLowerCase()] === undefined) continue;
    const names: string[] = [];
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_, name: string) => {
      names.push(name);
      return name === 'path' ? '(.*)' : '([^/]+)';
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (match) return { template, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')])) };
  }
  return undefined;
}

/** The query parameters an operation declares (its own and its path's), plus the global ones. */
export function allowedQuery(method: string, template: string): string[] {
  const item = DESCRIPTION.paths[template];
  const declared = [...(item.parameters ?? []), ...(item[method.toLowerCase()].parameters ?? [])]
    .filter((parameter: { in: string }) => parameter.in === 'query')
    .map((parameter: { name: string }) => parameter.name);
  return [...declared, ...GLOBAL_QUERY_PARAMETERS];
}

/**
 * The OAuth consumer scopes and API-token scopes the description names for an operation, and
 * the named exceptions that filled a gap.
 */
export function scopesFor(method: string, template: string): { oauth: string[]; apiToken: string[]; exceptions: string[] } {
  const operation = DESCRIPTION.paths[template][method.toLowerCase()];
  const oauth: string[] = (operation.security ?? []).flatMap((entry: Record<string, string[]>) => entry.oauth2 ?? []);
  const apiToken: string[] = (operation['x-atlassian-oauth2-scopes'] ?? []).flatMap((entry: { scopes: string[] }) => entry.scopes);
  if (oauth.length === 0 && method.toUpperCase() === 'GET' && template === '/workspaces/{workspace}') {
    return { oauth: ['account'], apiToken, exceptions: ['workspace-scope-not-named'] };
  }
  return { oauth, apiToken, exceptions: [] };
}
