/** `featureflow historical`: a point-in-time correct training set from an entity file, written to CSV or Parquet. */
import { closeEngine, openEngine } from '../../engine/context.js';
import { getHistoricalFeatures } from '../../engine/historical.js';
import { outputFormatOf } from '../../engine/training-set.js';
import { loadCheckedRepo } from '../load-checked.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { progressPrinter } from '../progress-line.js';

const USAGE = `usage: featureflow historical --config F --entities IN.(csv|parquet) --features REFS --out OUT.(csv|parquet)
                              [--full-feature-names] [--filter-created] [--threads N] [--memory-limit 4GB]

  --entities        entity rows: join keys, event_timestamp and any other columns (kept as they are)
  --features        comma-separated references: view:feature, view:*, service:NAME
  --full-feature-names   name columns view__feature
  --filter-created  also require created time <= the row's time (no later backfills leak into training rows)`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      ...CONFIG_OPTION,
      entities: { type: 'string' },
      features: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'full-feature-names': { type: 'boolean' },
      'filter-created': { type: 'boolean' },
      threads: { type: 'string' },
      'memory-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const missing = (['entities', 'features', 'out'] as const).filter((k) => !values[k]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}\n\n${USAGE}`);
  const out = values.out as string;
  outputFormatOf(out);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
    throw new UsageError(`--threads must be a positive whole number, got ${JSON.stringify(values.threads)}`);
  }
  const features = (values.features as string).split(',').map((f) => f.trim()).filter(Boolean);

  const started = performance.now();
  const loaded = await loadCheckedRepo(values.config);
  const ctx = await openEngine(loaded.repo, loaded.repoDir, {
    ...(threads ? { threads } : {}),
    ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}),
  });
  try {
    const set = await getHistoricalFeatures(ctx, { path: values.entities as string }, features, {
      fullFeatureNames: values['full-feature-names'] ?? false,
      filterByCreatedTimestamp: values['filter-created'] ?? false,
      onProgress: progressPrinter(),
    });
    try {
      await set.write(out);
    } finally {
      set.close();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Wrote ${set.rowCount.toLocaleString('en-US')} rows x ${set.columns.length} columns to ${out} in ${seconds}s`);
    return 0;
  } finally {
    closeEngine(ctx);
  }
}
