#!/usr/bin/env node
// The installed package's `featureflow` command: the CLI compiled by `npm run build`, on plain Node. tsx is loaded
// only if a repo's config is a featureflow.config.ts. (From a clone, bin/featureflow.js runs the sources instead.)
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
