/** Shared argument parsing for commands: node:util parseArgs with errors turned into FeatureflowError('USAGE'). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FeatureflowError } from '../registry/errors.js';

export class UsageError extends FeatureflowError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usageText: string,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usageText}`);
  }
}

/** The `--config` option every command takes; defaults to the repo in the current folder. */
export const CONFIG_OPTION = { config: { type: 'string', short: 'c' } } as const;

/** For commands without positional arguments: prints the usage for --help (true: stop there), refuses extras. */
export function helpOrNoArguments(help: boolean | undefined, positionals: readonly string[], usage: string): boolean {
  if (help) {
    console.log(usage);
    return true;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${usage}`);
  return false;
}
