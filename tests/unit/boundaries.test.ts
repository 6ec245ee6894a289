/**
 * Each target has its own TypeScript program and ESLint environment: browser code that uses a
 * Node global (`Buffer`, `process`) fails `npm run typecheck` and `npm run lint`, while the same
 * line is fine in the Node targets. Checked on a probe file that exists only in memory.
 */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PROBE = 'export const bytes = Buffer.from("x").length + Number(process.env.PORT ?? 0);\n';

/** The diagnostics of the program `tsconfig` with one extra (in-memory) file at `file`. */
function typeErrors(tsconfig: string, file: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    resolve(ROOT, tsconfig),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  const probe = resolve(ROOT, file);
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === probe || fileExists(name);
  host.readFile = (name) => (name === probe ? PROBE : readFile(name));
  host.getSourceFile = (name, language, ...rest) =>
    name === probe ? ts.createSourceFile(name, PROBE, language) : getSourceFile(name, language, ...rest);
  const program = ts.createProgram({ rootNames: [probe], options: parsed.options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

async function lintErrors(file: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: ROOT }).lintText(PROBE, { filePath: resolve(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

// Each check builds a TypeScript program or an ESLint run: seconds each on a busy machine.
const SLOW = { timeout: 60_000 };

describe('one TypeScript program per target', SLOW, () => {
  it.each([
    ['the browser app', 'tsconfig.app.json', 'src/probe.ts'],
    ['the relay', 'tsconfig.relay.json', 'relay/probe.ts'],
  ])('%s has no Node types: Buffer and process are errors', (_target, tsconfig, file) => {
    const errors = typeErrors(tsconfig, file);
    expect(errors.some((e) => e.startsWith("Cannot find name 'Buffer'"))).toBe(true);
    expect(errors.some((e) => e.startsWith("Cannot find name 'process'"))).toBe(true);
  });

  it('the Node program accepts the same file', () => {
    expect(typeErrors('tsconfig.node.json', 'sim/probe.ts')).toEqual([]);
  });

  it('npm run typecheck checks every program', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    for (const tsconfig of ['tsconfig.app.json', 'tsconfig.relay.json', 'tsconfig.node.json'])
      expect(pkg.scripts.typecheck).toContain(tsconfig);
  });
});

describe('one ESLint environment per target', SLOW, () => {
  it.each(['src/probe.ts', 'src/views/probe.ts', 'relay/probe.ts'])('%s may not use Node globals', async (file) => {
    const errors = await lintErrors(file);
    expect(errors.filter((e) => e.startsWith('no-restricted-globals'))).toHaveLength(2);
  });

  it.each(['relay/node.ts', 'sim/probe.ts', 'scripts/probe.ts'])('%s may', async (file) => {
    expect(await lintErrors(file)).toEqual([]);
  });

  it('browser code may not import Node modules', async () => {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(
      "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      {
        filePath: resolve(ROOT, 'src/probe.ts'),
      },
    );
    expect(result?.messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
  });
});
