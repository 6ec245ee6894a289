#!/usr/bin/env node
// `npm run test:consumers`: the core package as its users get it, outside this repository.
//   1. `npm pack` in packages/bitbucket-browser-auth: the tarball a user installs.
//   2. Its .d.ts files and the READMEs' snippets, type-checked with skipLibCheck off under
//      TypeScript 5.0, 6.0.3 and 7 (a consumer's view; the templates below skip library checks).
//   3. Fresh `create-vite@9.3.0` apps (react-ts, vue-ts, vanilla-ts, each with its own TypeScript)
//      that install the tarball, use it, and build with their own `npm run build`, unchanged.
// Needs the npm registry (CI has it). Prints one line per check and "N passed, N failed".
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE = join(ROOT, 'packages/bitbucket-browser-auth');
const work = mkdtempSync(join(tmpdir(), 'bitbucket-browser-auth-consumers-'));
const TYPESCRIPTS = { 'TypeScript 5.0': 'typescript@5.0.4', 'TypeScript 6.0.3': 'typescript@6.0.3', 'TypeScript 7': 'typescript@7.0.2' };
const TEMPLATES = ['react-ts', 'vue-ts', 'vanilla-ts'];
const results = [];

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function check(name, { ok, output }) {
  results.push(ok);
  console.log(`${ok ? '✔' : '✖'} ${name}`);
  if (!ok)
    console.log(
      output
        .trim()
        .split('\n')
        .slice(-30)
        .map((line) => `    ${line}`)
        .join('\n'),
    );
  return ok;
}

// 1. The tarball (prepack builds dist/ first).
const packed = run('npm', ['pack', '--pack-destination', work], PACKAGE);
if (!check('npm pack writes a tarball', packed)) process.exit(finish());
const tarball = join(
  work,
  readdirSync(work).find((name) => name.endsWith('.tgz')),
);
const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
check('the tarball holds dist/ (JavaScript and .d.ts), the README and package.json, and no tests', {
  ok:
    ['package/dist/index.js', 'package/dist/index.d.ts', 'package/README.md', 'package/package.json'].every((f) => listing.includes(f)) &&
    !/test/.test(listing),
  output: listing,
});

// 2. Types and snippets under each TypeScript, library checks on.
const types = join(work, 'types');
mkdirSync(types);
writeFileSync(join(types, 'package.json'), JSON.stringify({ name: 'consumer-types', private: true, type: 'module' }));
const aliases = Object.values(TYPESCRIPTS).map((spec, i) => `ts${i}@npm:${spec}`);
const installed = run('npm', ['install', '--no-audit', '--no-fund', tarball, ...aliases, '@types/react@19.3.0', 'vue@3.5.45'], types);
if (check('a consumer installs the tarball with TypeScript 5.0, 6.0.3 and 7', installed)) {
  const snippets = [
    ...readmeSnippets(join(ROOT, 'README.md'), 'Use it in your own app'),
    ...readmeSnippets(join(PACKAGE, 'README.md'), 'Use'),
  ];
  for (const { folder, file, code } of snippets) {
    mkdirSync(join(types, folder), { recursive: true });
    writeFileSync(join(types, folder, file), code);
  }
  // Every declaration the package ships, reached from its entry.
  writeFileSync(join(types, 'all-exports.ts'), "export * from 'bitbucket-browser-auth';\nexport type * from 'bitbucket-browser-auth';\n");
  // The package and the framework-free snippets under every TypeScript; the React and Vue ones
  // where those frameworks' own types compile (Vue 3.5's need TypeScript 5.4 or newer).
  const frameworks = snippets.filter(({ code }) => /from '(react|vue)'/.test(code)).map(({ folder, file }) => `${folder}/${file}`);
  const compilerOptions = {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    jsx: 'react-jsx',
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  const tsconfig = (name, config) => writeFileSync(join(types, name), JSON.stringify({ compilerOptions, ...config }));
  tsconfig('tsconfig.core.json', { include: ['**/*.ts', '**/*.tsx'], exclude: ['node_modules', ...frameworks] });
  tsconfig('tsconfig.frameworks.json', { files: frameworks });
  console.log(`  (${snippets.length} snippets from the READMEs, ${frameworks.length} of them with React or Vue)`);
  Object.keys(TYPESCRIPTS).forEach((label, i) => {
    const tsc = tscOf(join(types, 'node_modules', `ts${i}`));
    const version = run(process.execPath, [tsc, '--version'], types).output.trim();
    check(
      `${label} (${version}): the .d.ts files and the snippets type-check, skipLibCheck off`,
      run(process.execPath, [tsc, '-p', 'tsconfig.core.json'], types),
    );
    if (label !== 'TypeScript 5.0') {
      check(
        `${label}: the React and Vue snippets type-check, skipLibCheck off`,
        run(process.execPath, [tsc, '-p', 'tsconfig.frameworks.json'], types),
      );
    }
  });
}

// 3. Fresh create-vite apps, built as they come.
for (const template of TEMPLATES) {
  const app = join(work, `app-${template}`);
  const created = run('npx', ['-y', 'create-vite@9.3.0', `app-${template}`, '--template', template, '--no-interactive'], work);
  if (!check(`create-vite@9.3.0 --template ${template}`, created)) continue;
  if (
    !check(
      `${template}: npm install, then the tarball`,
      chain(
        [
          ['npm', ['install']],
          ['npm', ['install', tarball]],
        ],
        app,
      ),
    )
  )
    continue;
  useThePackage(app);
  check(`${template}: npm run build, unchanged, with the package in use`, run('npm', ['run', 'build'], app));
}

process.exit(finish());

function chain(steps, cwd) {
  for (const [command, args] of steps) {
    const result = run(command, args, cwd);
    if (!result.ok) return result;
  }
  return { ok: true, output: '' };
}

/** Adds a module that signs in and lists with the package, imported from the app's entry. */
function useThePackage(app) {
  const src = join(app, 'src');
  writeFileSync(
    join(src, 'bitbucket.ts'),
    `import { createBitbucketAuth, record, text, type Session } from 'bitbucket-browser-auth';

export const auth = createBitbucketAuth({ clientId: 'KEY', redirectUri: \`\${location.origin}/oauth-callback\` });
export const session: Session | null = auth.getSession();
export async function names(): Promise<string[]> {
  const names: string[] = [];
  for await (const name of auth.list('/repositories/ws', { fields: ['name'], check: (json, path) => text(record(json, path).name, path) })) names.push(name);
  return names;
}
`,
  );
  const entry = ['main.tsx', 'main.ts'].map((name) => join(src, name)).find((path) => existsSync(path));
  appendFileSync(entry, `\nimport { auth } from './bitbucket';\nconsole.log(typeof auth.signIn);\n`);
}

/** The code blocks (ts, tsx) of the README section headed `heading`, as files: `// name.ts` on a first line names one. */
function readmeSnippets(readme, heading) {
  const text = readFileSync(readme, 'utf8');
  const start = text.search(new RegExp(`^#+ ${heading}$`, 'm'));
  if (start < 0) throw new Error(`${readme} has no section "${heading}"`);
  const level = /^#+/.exec(text.slice(start))[0].length;
  // The section: from the line after its heading to the next heading of its level or above.
  const rest = text.slice(text.indexOf('\n', start) + 1);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  const section = end < 0 ? rest : rest.slice(0, end);
  const folder = readme === join(ROOT, 'README.md') ? 'root-readme' : 'package-readme';
  return [...section.matchAll(/```(tsx?)\n([\s\S]*?)```/g)].map(([, language, code], i) => {
    const named = /^\/\/ ([\w.-]+\.tsx?)\b/.exec(code);
    return {
      folder: named ? folder : `${folder}/snippet-${i}`,
      file: named ? named[1] : `snippet.${language}`,
      code: `${code}\nexport {};\n`,
    };
  });
}

/** The tsc of an installed TypeScript, whatever its version lays out. */
function tscOf(dir) {
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, typeof bin === 'string' ? bin : bin.tsc);
}

function finish() {
  const passed = results.filter(Boolean).length;
  console.log(`\nconsumers: ${passed} passed, ${results.length - passed} failed (in ${work})`);
  return passed === results.length ? 0 : 1;
}
