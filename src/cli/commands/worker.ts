/** `featureflow worker`: a Temporal worker running Featureflow's workflows and activities until SIGTERM/SIGINT. */
import { FeatureflowError } from '../../registry/errors.js';
import { checkTuning, describeSizing, type WorkerTuning } from '../../worker-sizing.js';
import { CONFIG_OPTION, helpOrNoArguments, parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';

const USAGE = `usage: featureflow worker [--config FILE] [--task-queue Q] [--address HOST:PORT] [--namespace NS] [TLS options]
                        [--max-activities N] [--duckdb-threads N] [--duckdb-memory 1.5GB]
                        [--max-workflow-tasks N] [--cached-workflows N] [--sticky-timeout 10s]
                        [--threads N] [--memory-limit 4GB]

Runs every Featureflow workflow (backfill, computeFeatures, materializeIncremental, checkFreshness, trainingSet)
and their activities; Schedules (featureflow schedules apply) start their runs on this task queue. Redis:
REDIS_URL if set, else the repo's onlineStore.url.

  -c, --config FILE         the repo config (default: FEATUREFLOW_CONFIG, else featureflow.config.ts, then
                            featureflow.json, here)
${TEMPORAL_OPTIONS_HELP}

Sizing (each also FEATUREFLOW_WORKER_<NAME>; the start-up line shows what is in use; docs/worker-sizing.md):
      --max-activities N    chunks run at once, across workflows (MAX_ACTIVITIES; default 8)
      --duckdb-threads N    DuckDB threads per running chunk (DUCKDB_THREADS; default cores / activities)
      --duckdb-memory M     DuckDB memory per running chunk (DUCKDB_MEMORY; default 60% of RAM / activities)
      --max-workflow-tasks N  workflow tasks run at once (MAX_WORKFLOW_TASKS; default 40)
      --cached-workflows N  workflows kept in the sticky cache, 0 for none (CACHED_WORKFLOWS; default from the
                            Node heap, ~600 per GB)
      --sticky-timeout T    how long a cached workflow's task waits for this worker before any worker takes it
                            (STICKY_TIMEOUT; default 10s)
      --threads N           DuckDB threads for the whole worker, instead of --duckdb-threads
      --memory-limit M      DuckDB memory for the whole worker, instead of --duckdb-memory

SIGTERM or SIGINT: stop polling, let running chunks finish (up to 30 s, then they are cancelled and retried
elsewhere), close Redis and DuckDB, exit 0.`;

const OPTIONS = {
  ...CONFIG_OPTION,
  ...TEMPORAL_OPTIONS,
  'max-activities': { type: 'string' },
  'duckdb-threads': { type: 'string' },
  'duckdb-memory': { type: 'string' },
  'max-workflow-tasks': { type: 'string' },
  'cached-workflows': { type: 'string' },
  'sticky-timeout': { type: 'string' },
  threads: { type: 'string' },
  'memory-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TUNING_FLAGS: Record<keyof WorkerTuning, keyof typeof OPTIONS> = {
  maxConcurrentActivities: 'max-activities',
  duckdbThreadsPerActivity: 'duckdb-threads',
  duckdbMemoryPerActivity: 'duckdb-memory',
  maxConcurrentWorkflowTasks: 'max-workflow-tasks',
  maxCachedWorkflows: 'cached-workflows',
  stickyQueueTimeout: 'sticky-timeout',
};

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${name}: expected a whole number >= 1, got "${text}"`);
  return Number(text);
}

/** The sizing flags given, checked, with errors naming the flag (FEATUREFLOW_WORKER_* fill in the rest later). */
export function tuningFlags(values: Partial<Record<keyof typeof OPTIONS, string | boolean>>): WorkerTuning {
  const input: Record<string, string> = {};
  const names: Record<string, string> = {};
  for (const [key, flag] of Object.entries(TUNING_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') input[key] = value;
    names[key] = `--${flag}`;
  }
  try {
    return checkTuning(input, names);
  } catch (err) {
    throw err instanceof FeatureflowError ? new UsageError(err.message.replace(/^worker options: /, '')) : err;
  }
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (helpOrNoArguments(values.help, positionals, USAGE)) return 0;
  const threads = positive('--threads', values.threads);
  const tuning = tuningFlags(values);
  if (threads !== undefined && tuning.duckdbThreadsPerActivity !== undefined) throw new UsageError('give --threads or --duckdb-threads, not both');
  if (values['memory-limit'] !== undefined && tuning.duckdbMemoryPerActivity !== undefined) {
    throw new UsageError('give --memory-limit or --duckdb-memory, not both');
  }
  // Loaded here, not at the top: `featureflow worker --help` should not pay for the Temporal worker and DuckDB.
  const { runWorker } = await import('../../worker.js');
  await runWorker(
    {
      ...(values.config ? { configPath: values.config } : {}),
      ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
      ...temporalTarget(values),
      ...tuning,
      engine: {
        ...(threads ? { threads } : {}),
        ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}),
      },
    },
    (w) => {
      console.error(`featureflow ${describeSizing(w.sizing, w.host)}`);
      console.error(`featureflow worker: online store ${w.onlineStore.display} (from ${w.onlineStore.from})`);
      console.error(
        `featureflow worker: polling task queue "${w.taskQueue}" on ${w.address} (namespace ${w.namespace}); ` +
          'Ctrl-C or SIGTERM stops it',
      );
    },
  );
  console.error('featureflow worker: stopped');
  return 0;
}
