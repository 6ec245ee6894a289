// @vitest-environment node
/**
 * The extract script (scripts/extract-openapi.ts) and the extract it wrote: what it keeps, how it
 * refuses bad input, and that the committed extract is whole and matches its provenance record.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExtractError, USED_OPERATIONS, extractDescription, extractFile, parseArgs } from '../../scripts/extract-openapi.ts';
import { DESCRIPTION, PROVENANCE, SOURCE_TEMPLATE, check, matchOperation, schemaFor } from './openapi.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * A tiny description: GET /a answers schema `a`, which reaches `b` and `c`; `commit_file` is named
 * by a discriminator only; `unused` is not reached.
 */
function tinyDescription(): Record<string, unknown> {
  const get = { responses: { 200: { content: { 'application/json': { schema: ref('a') } } } } };
  const operations = Object.fromEntries(USED_OPERATIONS.map(([, path]) => [path, { get, parameters: [] }]));
  return {
    openapi: '3.0.0',
    info: { version: '2.0' },
    'x-revision': 'abc123',
    paths: { ...operations, '/other': { get: { responses: { 200: { content: { 'application/json': { schema: ref('unused') } } } } } } },
    components: {
      securitySchemes: { oauth2: { type: 'oauth2' } },
      schemas: {
        a: { allOf: [ref('b'), { properties: { list: { items: ref('c') } } }] },
        b: { type: 'object' },
        c: { properties: { again: ref('a') } },
        commit_file: { properties: { commit: ref('b') } },
        unused: { type: 'string' },
      },
    },
    'x-atlassian-narrative': { documents: [{ anchor: 'pagination' }, { anchor: 'authentication' }] },
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'extract-openapi-'));
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ExtractError ? error.code : `not an ExtractError: ${String(error)}`;
  }
  return undefined;
}

describe('extracting', () => {
  it('keeps the used operations and the closure of the schemas they and a discriminator reference, nothing else', () => {
    const { extract, schemas } = extractDescription(tinyDescription());
    expect(schemas).toEqual(['a', 'b', 'c', 'commit_file']);
    expect(Object.keys(extract.paths as object).sort()).toEqual(USED_OPERATIONS.map(([, path]) => path).sort());
    expect((extract['x-atlassian-narrative'] as { documents: unknown[] }).documents).toEqual([{ anchor: 'pagination' }]);
    expect(extract['x-revision']).toBe('abc123');
  });

  it('writes the extract and a provenance record with the checksum of the input, its revision and the date', () => {
    const dir = tempDir();
    const input = join(dir, 'swagger.v3.json');
    const text = JSON.stringify(tinyDescription());
    writeFileSync(input, text);
    const provenance = extractFile(input, join(dir, 'out'), { from: 'a test', today: new Date('2026-12-01T10:00:00Z') });
    expect(provenance).toMatchObject({
      copy: 'a test',
      published_at: 'https://developer.atlassian.com/cloud/bitbucket/swagger.v3.json',
      x_revision: 'abc123',
      info_version: '2.0',
      input_bytes: text.length,
      extracted_on: '2026-12-01',
      schemas: ['a', 'b', 'c', 'commit_file'],
    });
    expect(provenance.input_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'provenance.json'), 'utf8'))).toEqual(provenance);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'out', 'bitbucket-openapi.json'), 'utf8')).components.schemas)).toEqual([
      'a',
      'b',
      'c',
      'commit_file',
    ]);
  });

  it('refuses a wrong path, a file that is not JSON, JSON that is not OpenAPI 3, and a description without an operation', () => {
    const dir = tempDir();
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const out = join(dir, 'out');
    expect(codeOf(() => extractFile(join(dir, 'missing.json'), out))).toBe('NO_FILE');
    expect(codeOf(() => extractFile(dir, out))).toBe('NO_FILE');
    expect(codeOf(() => extractFile(write('page.html', '<!DOCTYPE html>'), out))).toBe('NOT_JSON');
    expect(codeOf(() => extractFile(write('package.json', '{"name":"x"}'), out))).toBe('NOT_OPENAPI');
    expect(codeOf(() => extractFile(write('swagger2.json', '{"swagger":"2.0","paths":{}}'), out))).toBe('NOT_OPENAPI');
    const partial = tinyDescription();
    delete (partial.paths as Record<string, unknown>)['/user'];
    expect(codeOf(() => extractFile(write('partial.json', JSON.stringify(partial)), out))).toBe('MISSING_OPERATION');
    const undiscriminated = tinyDescription();
    delete (undiscriminated.components as { schemas: Record<string, unknown> }).schemas.commit_file;
    expect(codeOf(() => extractFile(write('undiscriminated.json', JSON.stringify(undiscriminated)), out))).toBe('MISSING_SCHEMA');
  });

  it('reads its command line: one path, --out, --from; anything else is a usage error', () => {
    expect(parseArgs(['in.json'])).toEqual({ input: 'in.json', out: 'tests/contract/openapi' });
    expect(parseArgs(['--out', 'x', 'in.json', '--from', 'y'])).toEqual({ input: 'in.json', out: 'x', from: 'y' });
    expect(parseArgs(['--help'])).toBe('help');
    for (const argv of [[], ['a', 'b'], ['--nope', 'a'], ['a', '--out']])
      expect(
        codeOf(() => parseArgs(argv)),
        argv.join(' '),
      ).toBe('USAGE');
  });

  it('as a command, says what is wrong and exits with 2', () => {
    const result = spawnSync('node_modules/.bin/tsx', ['scripts/extract-openapi.ts', 'no/such/swagger.v3.json'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Cannot read no/such/swagger.v3.json: no such file');
  });
});

describe('the committed extract', () => {
  it('matches its provenance record and holds every operation the project uses', () => {
    expect(DESCRIPTION['x-revision']).toBe(PROVENANCE.x_revision);
    expect(PROVENANCE.input_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(PROVENANCE.operations).toEqual(USED_OPERATIONS.map(([method, path]) => `${method.toUpperCase()} ${path}`));
    for (const [method, path] of USED_OPERATIONS) expect(DESCRIPTION.paths[path]?.[method], path).toBeDefined();
    const schemas = ['account', 'paginated_workspace_access', 'workspace', 'paginated_repositories', 'repository', 'error'];
    for (const name of [...schemas, 'branch', 'paginated_treeentries', 'commit_file', 'paginated_changeset']) {
      expect(DESCRIPTION.components.schemas[name], name).toBeDefined();
    }
  });

  it('is closed: every $ref points inside it', () => {
    const refs = [...JSON.stringify(DESCRIPTION).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(refs.length).toBeGreaterThan(20);
    for (const name of new Set(refs)) expect(DESCRIPTION.components.schemas[name], name).toBeDefined();
  });
});

const firstTime = (path: string, index: number, all: string[]) => all.indexOf(path) === index;

describe('the validator has teeth', () => {
  const repository = { type: 'repository', name: 'r', full_name: 'w/r', is_private: false, links: { clone: [] } };

  it('refuses a wrong type, and no named exception explains it', () => {
    expect(check('repository', repository, { status: 200, partial: false }).unexplained).toEqual([]);
    const verdict = check('repository', { ...repository, is_private: 'no' }, { status: 200, partial: false });
    expect(verdict.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['/is_private']);
  });

  it('keeps each named exception to exactly its case', () => {
    const strings = check('repository', { ...repository, mainbranch: 'main' }, { status: 200, partial: false });
    expect(strings.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['/mainbranch']);
    const https = check(
      'repository',
      { ...repository, links: { clone: [{ name: 'https', href: 'not a uri' }] } },
      { status: 200, partial: false },
    );
    expect(https.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['/links/clone/0/href']);
    const extraLink = check('repository', { ...repository, links: { wiki: { href: 'https://x.test/' } } }, { status: 200, partial: false });
    expect(extraLink.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['/links']);
    const noType = check('repository', { name: 'r' }, { status: 200, partial: false });
    expect(noType.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['']);
    const detail = check('error', { type: 'error', error: { message: 'm', detail: { required: ['x'] } } }, { status: 401, partial: false });
    expect(detail.unexplained.map((error) => error.path).filter(firstTime)).toEqual(['/error/detail']);
  });

  it('checks a directory entry whose type is commit_file against commit_file too; only a list of known attributes is excused', () => {
    const listing = (attributes: unknown) => ({ pagelen: 10, values: [{ type: 'commit_file', path: 'a.md', attributes }] });
    const context = { status: 200, partial: false };
    const plain = check('paginated_treeentries', listing([]), context);
    expect(plain).toMatchObject({ unexplained: [], exceptions: ['file-attributes-is-a-list'] });
    expect(check('paginated_treeentries', listing('binary'), context)).toMatchObject({ unexplained: [], exceptions: [] });
    for (const wrong of [['bogus'], 7, [1]]) {
      const verdict = check('paginated_treeentries', listing(wrong), context);
      expect(verdict.unexplained.map((error) => error.path).filter(firstTime), JSON.stringify(wrong)).toEqual(['/values/0/attributes']);
    }
  });

  it('matches a repository path across segments, the root included, and checks format=meta against one entry', () => {
    expect(matchOperation('GET', '/repositories/w/r/src/abc1234/content/posts/a.md')).toEqual({
      template: SOURCE_TEMPLATE,
      params: { workspace: 'w', repo_slug: 'r', commit: 'abc1234', path: 'content/posts/a.md' },
    });
    expect(matchOperation('GET', '/repositories/w/r/src/abc1234/')?.params.path).toBe('');
    expect(matchOperation('GET', '/repositories/w/r/refs/branches/a/b')).toBeUndefined();
    expect(schemaFor('GET', SOURCE_TEMPLATE, 200)).toEqual({ schema: 'paginated_treeentries', exceptions: [] });
    expect(schemaFor('GET', SOURCE_TEMPLATE, 200, new URLSearchParams('format=meta'))).toEqual({
      schema: 'treeentry',
      exceptions: ['source-meta-is-one-entry'],
    });
  });
});
