/** `featureflow apply`: stores the repo as a new registry version (nothing is written when nothing changed). */
import { applyRepo, formatPlan, loadValidatedRepo, type LoadOptions } from '../../registry/index.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';

export const USAGE = `usage: featureflow apply [--config FILE]

Validates the repo, prints the plan (as "featureflow plan" does) and stores the repo as the next registry
version under <offlineStore.path>/registry/, with one history file per apply. Applying an unchanged repo
writes nothing.

options:
  -c, --config FILE  the repo config (.ts, .mts, .js, .mjs or .json, or a folder holding one);
                     default: featureflow.config.ts, then featureflow.json, in the current folder
  -h, --help         show this help`;

/** `options` lets a caller inject `describeSource` so the repo is also checked against the data. */
export async function run(args: string[], options: LoadOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTION, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);
  const { repo, repoDir } = await loadValidatedRepo(values.config, options);
  const { version, changes } = await applyRepo(repoDir, repo);
  console.log(formatPlan(changes));
  if (changes.length > 0) console.log(`\nApplied registry version ${version}`);
  return 0;
}
