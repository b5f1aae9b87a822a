/**
 * `featureflow historical`: a point-in-time correct training set from an entity file, written to CSV or Parquet;
 * here, or with --workflow as the trainingSet workflow on a Temporal worker.
 */
import path from 'node:path';
import { resolveFeatureRefs } from '../../registry/features.js';
import { loadValidatedRepo, resolveRepoPath } from '../../registry/load.js';
import type { TrainingSetInput } from '../../workflows/contracts/training-set.js';
import { CONFIG_OPTION, parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';

const USAGE = `usage: featureflow historical --config F --entities IN.(csv|parquet) --features REFS --out OUT.(csv|parquet)
                              [--full-feature-names] [--filter-created] [--threads N] [--memory-limit 4GB]
                              [--workflow [--task-queue Q] [--address HOST:PORT] [--namespace NS] [TLS options]]

  --entities        entity rows: join keys, event_timestamp and any other columns (kept as they are)
  --features        comma-separated references: view:feature, view:*, service:NAME
  --full-feature-names   name columns view__feature
  --filter-created  also require created time <= the row's time (no later backfills leak into training rows)
  --threads, --memory-limit   DuckDB settings of a local run

  --workflow        build it as the trainingSet workflow on a Temporal worker (featureflow worker) and follow it
                    with a progress bar. --entities and --out are made absolute from the current folder, but the
                    worker reads and writes them on its own machine, with its own repo and DuckDB settings: give
                    paths the worker can reach. The same --out cannot be written by two workflows at once.
With --workflow:
${TEMPORAL_OPTIONS_HELP}
UI links use TEMPORAL_UI_URL (default http://localhost:8233).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  entities: { type: 'string' },
  features: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'full-feature-names': { type: 'boolean' },
  'filter-created': { type: 'boolean' },
  threads: { type: 'string' },
  'memory-limit': { type: 'string' },
  workflow: { type: 'boolean' },
  ...TEMPORAL_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

const WORKFLOW_ONLY = Object.keys(TEMPORAL_OPTIONS) as Array<keyof typeof TEMPORAL_OPTIONS>;
const LOCAL_ONLY = ['threads', 'memory-limit'] as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const missing = (['entities', 'features', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${USAGE}`);
  const misplaced = (values.workflow ? LOCAL_ONLY : WORKFLOW_ONLY).filter((k) => values[k] !== undefined);
  if (misplaced.length > 0) {
    throw new UsageError(`--${misplaced[0]} ${values.workflow ? 'applies to local runs only (the worker has its own settings)' : 'needs --workflow'}`);
  }
  const out = values.out as string;
  // DuckDB, the engine and Temporal's client load only once a run needs them: `--help` stays instant.
  const { outputFormatOf } = await import('../../engine/training-set.js');
  outputFormatOf(out);
  const features = (values.features as string).split(',').map((f) => f.trim()).filter(Boolean);
  if (!values.workflow) {
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
      throw new UsageError(`--threads must be a positive whole number, got ${JSON.stringify(values.threads)}`);
    }
    const { runHistoricalLocally } = await import('../historical-local.js');
    return runHistoricalLocally({
      config: values.config,
      entities: values.entities as string,
      features,
      out,
      ...(threads ? { threads } : {}),
      ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}),
      fullFeatureNames: values['full-feature-names'] ?? false,
      filterCreated: values['filter-created'] ?? false,
    });
  }

  // Cheap checks here, so a typo fails before anything starts; the data itself is the worker's to read.
  const { repo } = await loadValidatedRepo(values.config);
  resolveFeatureRefs(repo, features);
  const input: TrainingSetInput = {
    entities: path.resolve(resolveRepoPath(process.cwd(), values.entities as string)),
    features,
    out: path.resolve(out),
    ...(values['full-feature-names'] ? { fullFeatureNames: true } : {}),
    ...(values['filter-created'] ? { filterCreated: true } : {}),
  };
  const { runTrainingSetWorkflow } = await import('../training-set-follow.js');
  return runTrainingSetWorkflow(input, { ...temporalTarget(values), project: repo.project, ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}) });
}
