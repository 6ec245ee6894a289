#!/usr/bin/env node
// `npm run build`: empties dist/, then TypeScript writes the ESM JavaScript and .d.ts files there.
// The TypeScript compiler is the repository's (its root `npm install`) or, on its own, any tsc on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
rmSync(join(here, 'dist'), { recursive: true, force: true });
const local = [join(here, 'node_modules/.bin/tsc'), join(here, '../../node_modules/.bin/tsc')].find((path) => existsSync(path));
const result = spawnSync(local ?? 'tsc', ['-p', join(here, 'tsconfig.json')], { stdio: 'inherit', shell: !local });
if (result.error) console.error(`The build needs TypeScript: run npm install at the repository's root first (${result.error.message}).`);
process.exit(result.status ?? 1);
