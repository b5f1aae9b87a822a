/** Shared argument parsing for commands: node:util parseArgs with errors turned into FeatureflowError('USAGE'). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FeatureflowError } from '../registry/errors.js';

export class UsageError extends FeatureflowError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

// Named so declaration files (npm run build) can spell the result: inferred, it mentions a type node:util does not export.
type ParsedCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  usageText: string,
): ParsedCommandArgs<T> {
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

/** The options of every command that talks to Temporal, and their help lines. */
export const TEMPORAL_OPTIONS = {
  'task-queue': { type: 'string' },
  address: { type: 'string' },
  namespace: { type: 'string' },
} as const;

export const TEMPORAL_OPTIONS_HELP = `      --task-queue Q    default FEATUREFLOW_TASK_QUEUE, else featureflow
      --address A       Temporal frontend (default TEMPORAL_ADDRESS, else 127.0.0.1:7233)
      --namespace NS    default TEMPORAL_NAMESPACE, else default`;

/** `--address`/`--namespace` as a TemporalTarget (unset ones fall back to the environment, then the defaults). */
export function temporalTarget(values: { address?: string | undefined; namespace?: string | undefined }): { address?: string; namespace?: string } {
  return { ...(values.address ? { address: values.address } : {}), ...(values.namespace ? { namespace: values.namespace } : {}) };
}
