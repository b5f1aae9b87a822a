/**
 * Loads and validates a repo for a command, also checking each plain view against its source's real columns
 * (through a short-lived DuckDB), so a typo in a schema field fails at plan time, not in the middle of a job.
 */
import { sourceDescriber } from '../engine/describe.js';
import { Database } from '../engine/database.js';
import { loadValidatedRepo, type LoadedRepo, type LoadOptions } from '../registry/load.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs } from './args.js';

export const SKIP_DATA_CHECK_OPTION = { 'skip-data-check': { type: 'boolean' } } as const;

export async function loadCheckedRepo(
  configPath: string | undefined,
  options: LoadOptions = {},
  checkData = true,
): Promise<LoadedRepo> {
  if (options.describeSource || !checkData) return loadValidatedRepo(configPath, options);
  const probe = await Database.open({ threads: 1 });
  try {
    return await loadValidatedRepo(configPath, { ...options, describeSource: sourceDescriber(probe) });
  } finally {
    probe.close();
  }
}

/** Options and help shared by the commands that read a repo: --config and --skip-data-check. */
export const REPO_OPTIONS_HELP = `options:
  -c, --config FILE      the repo config (.ts, .mts, .js, .mjs or .json, or a folder holding one);
                         default: FEATUREFLOW_CONFIG, else featureflow.config.ts, then featureflow.json, here
      --skip-data-check  do not read the sources to check view columns (for data this machine cannot reach)
  -h, --help             show this help`;

/** Parses a command that takes only the repo options; undefined means help was printed. */
export async function loadRepoForCommand(
  args: string[],
  usage: string,
  options: LoadOptions,
): Promise<LoadedRepo | undefined> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...CONFIG_OPTION, ...SKIP_DATA_CHECK_OPTION, help: { type: 'boolean', short: 'h' } },
    usage,
  );
  if (helpOrNoArguments(values.help, positionals, usage)) return undefined;
  return loadCheckedRepo(values.config, options, !values['skip-data-check']);
}
