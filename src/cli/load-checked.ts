/**
 * Loads and validates a repo for a command, also checking each plain view against its source's real columns
 * (through a short-lived DuckDB limited to the repo's files), so a typo in a schema field fails at plan time, not
 * in the middle of a job. The repo's SQL is always parser-checked (UNSAFE_SQL), even with --skip-data-check.
 */
import { loadValidatedRepo, type LoadedRepo, type LoadOptions } from '../registry/load.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs } from './args.js';

export const SKIP_DATA_CHECK_OPTION = { 'skip-data-check': { type: 'boolean' } } as const;

export async function loadCheckedRepo(
  configPath: string | undefined,
  options: LoadOptions = {},
  checkData = true,
): Promise<LoadedRepo> {
  // DuckDB is loaded here, not at import, so `--help` of every repo command starts without it.
  const { repoProbe } = await import('../engine/describe.js');
  const probe = repoProbe();
  try {
    const describeSource = options.describeSource ?? (checkData ? probe.describe : undefined);
    let loaded: LoadedRepo;
    try {
      loaded = await loadValidatedRepo(configPath, { ...options, ...(describeSource ? { describeSource } : {}) });
    } catch (err) {
      throw probe.unsafe ?? err;
    }
    await probe.check(loaded.repo, loaded.repoDir);
    return loaded;
  } finally {
    await probe.close();
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
