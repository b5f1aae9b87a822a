/** `featureflow apply`: stores the repo as a new registry version (nothing is written when nothing changed). */
import { applyRepo, formatPlan, type LoadOptions } from '../../registry/index.js';
import { loadCheckedRepo, SKIP_DATA_CHECK_OPTION } from '../load-checked.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';

export const USAGE = `usage: featureflow apply [--config FILE]

Validates the repo, prints the plan (as "featureflow plan" does) and stores the repo as the next registry
version under <offlineStore.path>/registry/, with one history file per apply. Applying an unchanged repo
writes nothing.

options:
  -c, --config FILE  the repo config (.ts, .mts, .js, .mjs or .json, or a folder holding one);
                     default: featureflow.config.ts, then featureflow.json, in the current folder
      --skip-data-check  do not read the sources to check view columns (for data this machine cannot reach)
  -h, --help         show this help`;

/** `options` lets a caller inject `describeSource` so the repo is also checked against the data. */
export async function run(args: string[], options: LoadOptions = {}): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTION, ...SKIP_DATA_CHECK_OPTION, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);
  const { repo, repoDir } = await loadCheckedRepo(values.config, options, !values['skip-data-check']);
  const { version, changes } = await applyRepo(repoDir, repo);
  console.log(formatPlan(changes));
  if (changes.length > 0) console.log(`\nApplied registry version ${version}`);
  return 0;
}
