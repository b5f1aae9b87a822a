#!/usr/bin/env node
// The CLI runs straight from TypeScript sources through tsx, so a fresh clone needs no build step.
// (The installed package runs the compiled CLI instead: bin/featureflow-dist.js.)
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';
import { installForRequire } from './source-condition.mjs';

// `featureflow` imports resolve to the sources here, not to dist/ (which may not be built): see source-condition.
registerHooks('./source-condition.mjs', import.meta.url);
installForRequire();
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
