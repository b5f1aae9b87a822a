/** `featureflow historical` without `--workflow`: the training set built in this process by the DuckDB engine. */
import path from 'node:path';
import { userAccess } from '../engine/access.js';
import { closeEngine, openEngine } from '../engine/context.js';
import { getHistoricalFeatures } from '../engine/historical.js';
import { loadCheckedRepo } from './load-checked.js';
import { progressPrinter } from './progress-line.js';

export interface LocalHistoricalRun {
  config: string | undefined;
  entities: string;
  features: string[];
  out: string;
  threads?: number;
  memoryLimit?: string;
  fullFeatureNames: boolean;
  filterCreated: boolean;
}

export async function runHistoricalLocally(run: LocalHistoricalRun): Promise<number> {
  const started = performance.now();
  const loaded = await loadCheckedRepo(run.config);
  const ctx = await openEngine(loaded.repo, loaded.repoDir, {
    ...(run.threads ? { threads: run.threads } : {}),
    ...(run.memoryLimit ? { memoryLimit: run.memoryLimit } : {}),
    // The entity file and the output are the user's own input: the engine may reach them besides the repo's files.
    access: userAccess({ read: [run.entities], write: [run.out] }),
  });
  try {
    const set = await getHistoricalFeatures(ctx, { path: run.entities }, run.features, {
      fullFeatureNames: run.fullFeatureNames,
      filterByCreatedTimestamp: run.filterCreated,
      onProgress: progressPrinter(),
    });
    try {
      await set.write(path.resolve(run.out));
    } finally {
      set.close();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`Wrote ${set.rowCount.toLocaleString('en-US')} rows x ${set.columns.length} columns to ${run.out} in ${seconds}s`);
    return 0;
  } finally {
    closeEngine(ctx);
  }
}
