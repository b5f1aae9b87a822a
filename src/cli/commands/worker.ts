/** `featureflow worker`: a Temporal worker running Featureflow's workflows and activities until SIGTERM/SIGINT. */
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';

const USAGE = `usage: featureflow worker [--config FILE] [--task-queue Q] [--address HOST:PORT] [--namespace NS] [TLS options]
                        [--max-activities N] [--threads N] [--memory-limit 4GB]

Runs every Featureflow workflow (backfill, computeFeatures, materializeIncremental, checkFreshness, trainingSet)
and their activities; Schedules (featureflow schedules apply) start their runs on this task queue.

  -c, --config FILE       the repo config (default: FEATUREFLOW_CONFIG, else featureflow.config.ts, then
                          featureflow.json, here)
${TEMPORAL_OPTIONS_HELP}
      --max-activities N  chunks run at once by this worker, across workflows (default 8)
      --threads N         DuckDB threads (default: every core)
      --memory-limit M    DuckDB memory limit (default 60% of RAM)

SIGTERM or SIGINT: stop polling, let running chunks finish (up to 30 s, then they are cancelled and retried
elsewhere), close Redis and DuckDB, exit 0.`;

const OPTIONS = {
  ...CONFIG_OPTION,
  ...TEMPORAL_OPTIONS,
  'max-activities': { type: 'string' },
  threads: { type: 'string' },
  'memory-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${name}: expected a whole number >= 1, got "${text}"`);
  return Number(text);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const threads = positive('--threads', values.threads);
  // Loaded here, not at the top: `featureflow worker --help` should not pay for the Temporal worker and DuckDB.
  const { runWorker } = await import('../../worker.js');
  await runWorker(
    {
      ...(values.config ? { configPath: values.config } : {}),
      ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
      ...temporalTarget(values),
      ...(values['max-activities'] ? { maxConcurrentActivities: positive('--max-activities', values['max-activities']) } : {}),
      engine: {
        ...(threads ? { threads } : {}),
        ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}),
      },
    },
    (w) =>
      console.error(
        `featureflow worker: polling task queue "${w.taskQueue}" on ${w.address} (namespace ${w.namespace}); ` +
          'Ctrl-C or SIGTERM stops it',
      ),
  );
  console.error('featureflow worker: stopped');
  return 0;
}
