// `npm run build`: compiles src/ to dist/ (tsconfig.build.json) and copies the files the compiled code reads at run
// time (the Lua scripts, anything else that is not TypeScript) to the same place beside it, since they are found
// with `new URL('./lua/x.lua', import.meta.url)`. dist/ is wiped first so a deleted source leaves no stale module.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('build: tsc failed');
  process.exit(compiled.status ?? 1);
}

// `.d.ts` files in src/ are ambient declarations for untyped dependencies, needed only to compile.
const isAsset = (name) => !name.endsWith('.ts');
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !isAsset(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(dist, path.relative(src, from)));
  copied++;
}
console.log(`build: dist/ written (${copied} asset file${copied === 1 ? '' : 's'} copied beside the JS)`);
