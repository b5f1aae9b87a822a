/** `featureflow plan`: what `apply` would change in the stored registry, without changing it. */
import { formatPlan, planChanges, readStoredRegistry, type LoadOptions } from '../../registry/index.js';
import { loadCheckedRepo, SKIP_DATA_CHECK_OPTION } from '../load-checked.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';

export const USAGE = `usage: featureflow plan [--config FILE]

Validates the repo and shows what "featureflow apply" would change in the stored registry:
"+" added, "~" changed (with each changed field), "-" removed. Writes nothing.

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
  console.log(formatPlan(planChanges(await readStoredRegistry(repoDir, repo), repo)));
  return 0;
}
