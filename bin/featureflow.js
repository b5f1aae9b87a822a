#!/usr/bin/env node
// The CLI runs straight from TypeScript sources through tsx, so a fresh clone needs no build step.
// (The installed package runs the compiled CLI instead: bin/featureflow-dist.js.)
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The package's exports point at the built dist/; the clone's tsconfig maps `featureflow` imports (the example
// repo's) to the sources. tsx looks for a tsconfig from the working folder, so name this one for any folder.
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
