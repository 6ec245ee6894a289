/**
 * `npm run extract-openapi -- <swagger.v3.json> [--out DIR] [--from TEXT]`: keeps the part of
 * Atlassian's OpenAPI description of the Bitbucket Cloud REST API 2.0 that this project tests
 * against (the operations it uses, every schema they reach, the schemas a discriminator names, the
 * security schemes and the guide's pages on pagination and partial responses), and writes it with a provenance record: where it
 * came from, its revision, the SHA-256 of the input and the date.
 *
 * The full description is published by Atlassian at
 * https://developer.atlassian.com/cloud/bitbucket/swagger.v3.json; download it and pass its path.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Atlassian publishes the full description. */
export const PUBLISHED_AT = 'https://developer.atlassian.com/cloud/bitbucket/swagger.v3.json';

/** The operations the app, the relay, the simulator and Decap CMS use (the removed ones are answered 410). */
export const USED_OPERATIONS: ReadonlyArray<readonly ['get', string]> = [
  ['get', '/user'],
  ['get', '/user/workspaces'],
  ['get', '/workspaces/{workspace}'],
  ['get', '/repositories/{workspace}'],
  ['get', '/repositories/{workspace}/{repo_slug}'],
  // What a repository holds, as Decap CMS reads it (the simulator serves them; the app lists branches).
  ['get', '/repositories/{workspace}/{repo_slug}/refs/branches'],
  ['get', '/repositories/{workspace}/{repo_slug}/refs/branches/{name}'],
  ['get', '/repositories/{workspace}/{repo_slug}/src/{commit}/{path}'],
  ['get', '/repositories/{workspace}/{repo_slug}/commits'],
  // Removed under CHANGE-2770; the description still lists them, marked deprecated.
  ['get', '/repositories'],
  ['get', '/workspaces'],
  ['get', '/user/permissions/workspaces'],
  ['get', '/user/permissions/repositories'],
];

/**
 * Schemas no `$ref` reaches but a discriminator does: the description's base `object` names `type`
 * its discriminator, so a directory entry whose `type` is `commit_file` is a `commit_file`.
 */
export const DISCRIMINATED_SCHEMAS = ['commit_file'] as const;

/** The pages of Atlassian's API guide (`x-atlassian-narrative`) that define global query parameters. */
export const NARRATIVE_ANCHORS = ['pagination', 'partial-response'] as const;

/** Default output folder, relative to the repository root. */
export const DEFAULT_OUT = 'tests/contract/openapi';

/** The extract's file name and its provenance record's. */
export const EXTRACT_FILE = 'bitbucket-openapi.json';
export const PROVENANCE_FILE = 'provenance.json';

type Json = Record<string, unknown>;

/** Why an extraction failed: a stable code and a message for the person who ran it. */
export class ExtractError extends Error {
  override name = 'ExtractError';
  constructor(
    readonly code: 'USAGE' | 'NO_FILE' | 'NOT_JSON' | 'NOT_OPENAPI' | 'MISSING_OPERATION' | 'MISSING_SCHEMA',
    message: string,
  ) {
    super(message);
  }
}

/** What was extracted and where it came from. */
export interface Provenance {
  source: string;
  published_at: string;
  /** The public copy the input was taken from, as given with `--from` (else the published URL). */
  copy: string;
  info_version: string;
  x_revision: string | null;
  input_sha256: string;
  input_bytes: number;
  extracted_on: string;
  operations: string[];
  schemas: string[];
}

/** Reads a description from text: refuses what is not JSON or not an OpenAPI 3 description. */
export function parseDescription(text: string, where: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExtractError('NOT_JSON', `${where} is not JSON (${(error as Error).message}). Pass Atlassian's swagger.v3.json.`);
  }
  const doc = isRecord(value) ? value : {};
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new ExtractError('NOT_OPENAPI', `${where} is not an OpenAPI 3 description: it has no "openapi": "3.x" field.`);
  }
  if (!isRecord(doc.paths) || !isRecord(doc.components) || !isRecord(doc.components.schemas)) {
    throw new ExtractError('NOT_OPENAPI', `${where} has no "paths" or no "components.schemas": not a whole API description.`);
  }
  return doc;
}

/** Keeps the used operations and the closure of the schemas they (and a discriminator) reference. Pure. */
export function extractDescription(doc: Json, operations = USED_OPERATIONS): { extract: Json; schemas: string[] } {
  const paths = doc.paths as Json;
  const components = doc.components as Json;
  const allSchemas = components.schemas as Json;
  const keptPaths: Json = {};
  for (const [method, path] of operations) {
    const item = paths[path];
    const operation = isRecord(item) ? item[method] : undefined;
    if (!isRecord(item) || !isRecord(operation)) {
      throw new ExtractError('MISSING_OPERATION', `The description has no ${method.toUpperCase()} ${path}.`);
    }
    const kept = (keptPaths[path] ??= {}) as Json;
    kept[method] = operation;
    if (item.parameters !== undefined) kept.parameters = item.parameters;
  }

  // Follows every `#/components/schemas/…` reference, from the operations and then from each
  // schema reached, until nothing new turns up.
  const reached = new Set<string>();
  const pending = [...schemaRefs(keptPaths), ...DISCRIMINATED_SCHEMAS];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (reached.has(name)) continue;
    if (!isRecord(allSchemas[name])) throw new ExtractError('MISSING_SCHEMA', `The description references a schema it lacks: ${name}.`);
    reached.add(name);
    pending.push(...schemaRefs(allSchemas[name]));
  }
  const schemas = [...reached].sort();

  const narrative = isRecord(doc['x-atlassian-narrative']) ? doc['x-atlassian-narrative'] : {};
  const documents = Array.isArray(narrative.documents) ? narrative.documents : [];
  const extract: Json = {
    openapi: doc.openapi,
    info: doc.info,
    'x-revision': doc['x-revision'],
    servers: doc.servers,
    paths: keptPaths,
    components: {
      securitySchemes: components.securitySchemes,
      schemas: Object.fromEntries(schemas.map((name) => [name, allSchemas[name]])),
    },
    'x-atlassian-narrative': {
      documents: documents.filter(
        (entry): entry is Json => isRecord(entry) && (NARRATIVE_ANCHORS as readonly unknown[]).includes(entry.anchor),
      ),
    },
  };
  return { extract, schemas };
}

/** Reads the input file, extracts, and writes the extract and its provenance into `outDir`. */
export function extractFile(input: string, outDir: string, options: { from?: string; today?: Date } = {}): Provenance {
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(code ?? error);
    throw new ExtractError('NO_FILE', `Cannot read ${input}: ${why}. Pass the path of the downloaded swagger.v3.json.`);
  }
  const doc = parseDescription(bytes.toString('utf8'), input);
  const { extract, schemas } = extractDescription(doc);
  const info = isRecord(doc.info) ? doc.info : {};
  const provenance: Provenance = {
    source: "Atlassian's OpenAPI 3.0 description of the Bitbucket Cloud REST API 2.0 (swagger.v3.json)",
    published_at: PUBLISHED_AT,
    copy: options.from ?? PUBLISHED_AT,
    info_version: typeof info.version === 'string' ? info.version : '',
    x_revision: typeof doc['x-revision'] === 'string' ? doc['x-revision'] : null,
    input_sha256: createHash('sha256').update(bytes).digest('hex'),
    input_bytes: bytes.length,
    extracted_on: (options.today ?? new Date()).toISOString().slice(0, 10),
    operations: USED_OPERATIONS.map(([method, path]) => `${method.toUpperCase()} ${path}`),
    schemas,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, EXTRACT_FILE), `${JSON.stringify(extract, null, 2)}\n`);
  writeFileSync(join(outDir, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
  return provenance;
}

/** Every schema name referenced as `#/components/schemas/NAME` anywhere below `value`. */
function schemaRefs(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) {
      for (const [key, child] of Object.entries(node)) {
        if (key === '$ref' && typeof child === 'string') {
          const match = /^#\/components\/schemas\/(.+)$/.exec(child);
          if (match?.[1] !== undefined) found.push(match[1]);
        } else visit(child);
      }
    }
  };
  visit(value);
  return found;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const USAGE = `Usage: npm run extract-openapi -- <swagger.v3.json> [--out DIR] [--from TEXT]

Keeps the operations and schemas this project uses from Atlassian's OpenAPI description of the
Bitbucket Cloud REST API 2.0 (download it from ${PUBLISHED_AT}),
and writes ${EXTRACT_FILE} and ${PROVENANCE_FILE} into DIR (default ${DEFAULT_OUT}).
  --from TEXT   where your copy came from, recorded in the provenance (default: the URL above)`;

/** Reads the command line: one input path, `--out`, `--from`. */
export function parseArgs(argv: readonly string[]): { input: string; out: string; from?: string } | 'help' {
  let input: string | undefined;
  let out = DEFAULT_OUT;
  let from: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--out' || arg === '--from') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new ExtractError('USAGE', `${arg} needs a value.`);
      if (arg === '--out') out = value;
      else from = value;
    } else if (arg.startsWith('-')) {
      throw new ExtractError('USAGE', `Unknown option: ${arg}`);
    } else if (input === undefined) {
      input = arg;
    } else {
      throw new ExtractError('USAGE', `One input file only; got "${input}" and "${arg}".`);
    }
  }
  if (input === undefined) throw new ExtractError('USAGE', 'Pass the path of the full description (swagger.v3.json).');
  return from === undefined ? { input, out } : { input, out, from };
}

function main(): void {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args === 'help') {
      console.log(USAGE);
      return;
    }
    const provenance = extractFile(args.input, resolve(args.out), args.from === undefined ? {} : { from: args.from });
    console.log(
      `extract-openapi: ${provenance.operations.length} operations and ${provenance.schemas.length} schemas of revision ` +
        `${provenance.x_revision ?? '(none)'} (sha256 ${provenance.input_sha256.slice(0, 12)}…) written to ${args.out}`,
    );
  } catch (error) {
    if (!(error instanceof ExtractError)) throw error;
    console.error(`extract-openapi: ${error.message}${error.code === 'USAGE' ? `\n\n${USAGE}` : ''}`);
    process.exitCode = 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
