/**
 * `featureflow demo`: the main job end to end on generated data. Defines the example repo, checks it against the
 * data, stores it in the registry, builds a point-in-time correct training set and prints it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeEngine, openEngine } from '../../engine/context.js';
import { getHistoricalFeatures } from '../../engine/historical.js';
import { resolveRepoPath } from '../../registry/load.js';
import { loadCheckedRepo } from '../load-checked.js';
import { formatPlan } from '../../registry/plan.js';
import { applyRepo } from '../../registry/store.js';
import { parseCommandArgs } from '../args.js';
import { writeDemoData } from '../demo-data.js';
import { progressPrinter } from '../progress-line.js';
import { formatTable } from '../table.js';

const USAGE = 'usage: featureflow demo [--dir examples/fraud]';
const DEFAULT_DIR = fileURLToPath(new URL('../../../examples/fraud', import.meta.url));

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = path.resolve(values.dir ?? DEFAULT_DIR);
  const step = (n: number, text: string) => console.log(`\n== ${n}/4 ${text}`);

  step(1, `Generating demo data in ${path.relative(process.cwd(), path.join(dir, 'data')) || '.'}`);
  const files = await writeDemoData(path.join(dir, 'data'));
  console.log(`transactions: ${files.transactions}\nlabels:       ${files.labels}`);

  step(2, 'Loading the repo and checking it against the data');
  const loaded = await loadCheckedRepo(path.join(dir, 'featureflow.config.ts'));
  const { repo, repoDir } = loaded;
  console.log(
    `project ${repo.project}: ${repo.entities.length} entities, ${repo.sources.length} sources, ` +
      `${repo.featureViews.length} feature views, ${repo.featureServices.length} feature services`,
  );

  step(3, 'Applying the registry');
  const applied = await applyRepo(repoDir, repo);
  console.log(formatPlan(applied.changes));
  console.log(`registry version ${applied.version}`);

  step(4, 'Building a training set: labels.csv joined point-in-time with service:fraud_v1');
  const out = path.join(resolveRepoPath(repoDir, repo.offlineStore.path), 'training_fraud_v1.parquet');
  const ctx = await openEngine(repo, repoDir, { threads: 2 });
  try {
    const set = await getHistoricalFeatures(ctx, { path: files.labels }, ['service:fraud_v1'], {
      onProgress: progressPrinter(),
    });
    try {
      await set.toParquet(out);
      const rows = await set.toRows();
      // Rows from the middle: the first hours have no history yet, so their features are mostly null.
      console.log(formatTable(rows.slice(500, 508), set.columns));
      const filled = rows.filter((r) => r['txn_count_1h'] !== null).length;
      console.log(`... ${rows.length} rows; ${filled} have user_stats within the 2d ttl. Written to ${out}`);
    } finally {
      set.close();
    }
  } finally {
    closeEngine(ctx);
  }
  const config = path.relative(process.cwd(), path.join(dir, 'featureflow.config.ts'));
  console.log(`\nTry it yourself:
  npx featureflow plan --config ${config}
  npx featureflow registry list --config ${config}
  npx featureflow historical --config ${config} --entities ${path.relative(process.cwd(), files.labels)} \\
      --features user_stats:txn_count_1h,merchant_stats:fraud_rate --out /tmp/training.csv`);
  return 0;
}
