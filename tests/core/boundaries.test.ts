/**
 * The core's boundaries: it imports nothing outside its folder (no dependency, nothing of the
 * app), and reads the page's globals and `import.meta` only at its one browser edge, browser.ts.
 * Checked on its real files, and on probes that break each rule, so the check itself can fail.
 */
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CORE = join(ROOT, 'packages/bitbucket-browser-auth/src');
const EDGE = 'browser.ts';
const BROWSER_GLOBALS = new Set([
  'window',
  'document',
  'location',
  'history',
  'sessionStorage',
  'localStorage',
  'navigator',
  'self',
  'top',
  'parent',
]);

/** What a file of the core breaks: imports that leave the folder, globals read outside the edge. */
function violations(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const atEdge = file.endsWith(`/${EDGE}`);
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0] ?? node)
          ? (node.arguments[0] as ts.StringLiteral).text
          : undefined;
    if (specifier !== undefined) {
      const target = resolve(dirname(file), specifier);
      if (!specifier.startsWith('./') || dirname(target) !== dirname(file)) found.push(`import ${specifier}`);
    }
    if (!atEdge && ts.isMetaProperty(node)) found.push('import.meta');
    if (!atEdge && ts.isIdentifier(node) && BROWSER_GLOBALS.has(node.text) && readsGlobal(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** True when the identifier is a name read on its own (not `x.location`, `{ location: … }` or a declaration). */
function readsGlobal(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) && parent.name === node)
    return false;
  if ((ts.isParameter(parent) || ts.isVariableDeclaration(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) || ts.isTypeReferenceNode(parent) || ts.isLiteralTypeNode(parent)) return false;
  return true;
}

const coreFiles = readdirSync(CORE).filter((name) => name.endsWith('.ts'));

describe('the core package', () => {
  it('has its files, and none of them leaves its folder or reads a browser global outside browser.ts', () => {
    expect(coreFiles).toContain(EDGE);
    expect(coreFiles.length).toBeGreaterThan(8);
    for (const name of coreFiles) expect(violations(join(CORE, name), readFileSync(join(CORE, name), 'utf8')), name).toEqual([]);
  });

  it('reads the page only in browser.ts: location, history, sessionStorage are there', () => {
    const edge = readFileSync(join(CORE, EDGE), 'utf8');
    for (const name of ['location', 'history', 'sessionStorage', 'navigator']) expect(edge).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each([
    [
      'an import from the app',
      "import { readConfig } from '../../../src/config.ts';\nexport const c = readConfig;",
      ['import ../../../src/config.ts'],
    ],
    ['a dependency', "export { x } from 'some-package';", ['import some-package']],
    ['a dynamic import from elsewhere', "export const load = () => import('../other/x.js');", ['import ../other/x.js']],
    ['location read in a module', 'export const here = () => location.href;', ['location']],
    ['window and document', 'export const t = () => window.document.title + document.title;', ['window', 'document']],
    ['history', 'export const go = () => history.back();', ['history']],
    ['import.meta', 'export const env = import.meta.url;', ['import.meta']],
  ])('a probe with %s is caught', (_case, probe, expected) => {
    expect(violations(join(CORE, 'probe.ts'), probe)).toEqual(expected);
  });

  it('a property named like a global is no global (the core gives no variable such a name either)', () => {
    const probe = 'export function f(page: { location: string }) { const o = { history: 1 }; return o.history + page.location; }';
    expect(violations(join(CORE, 'probe.ts'), probe)).toEqual([]);
  });

  it('the edge may read globals, but may not import from elsewhere either', () => {
    expect(violations(join(CORE, EDGE), "import x from '../../x.js';\nexport const h = () => location.href + String(x);")).toEqual([
      'import ../../x.js',
    ]);
  });
});

describe('the core’s lint rules say the same', { timeout: 60_000 }, () => {
  async function lint(file: string, text: string): Promise<string[]> {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(text, { filePath: join(CORE, file) });
    return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
  }

  it('refuses a global, import.meta and an outside import in a module of the core', async () => {
    const probe = "import { x } from '../../../src/config.ts';\nexport const y = () => location.href + import.meta.url + String(x);\n";
    expect((await lint('probe.ts', probe)).sort()).toEqual(['no-restricted-globals', 'no-restricted-imports', 'no-restricted-syntax']);
  });

  it('allows the globals at the edge, still not localStorage', async () => {
    expect(await lint(EDGE, 'export const y = () => location.href;\n')).toEqual([]);
    expect(await lint(EDGE, 'export const y = () => localStorage.length;\n')).toEqual(['no-restricted-globals']);
  });
});
