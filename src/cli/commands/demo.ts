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
import { createServer } from '../../api/server.js';
import { materializeIncremental } from '../../materialize/index.js';
import { connectOnlineStore } from '../../online/redis-store.js';
import type { OnlineStore } from '../../online/types.js';
import type { Repo } from '../../registry/schema.js';
import { printResults } from '../materialize-run.js';
import { runDemoBackfill } from '../demo-backfill.js';

const USAGE = `usage: featureflow demo [--dir examples/fraud] [--keep-serving] [--port 6566]

Runs the example end to end: generates data, checks and applies the repo, builds a training set, materializes the
latest values into Redis (REDIS_URL, else the repo's onlineStore.url) and serves them over HTTP. With
--keep-serving the server stays up until Ctrl-C.`;
const DEFAULT_DIR = fileURLToPath(new URL('../../../examples/fraud', import.meta.url));

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    { dir: { type: 'string' }, 'keep-serving': { type: 'boolean' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = path.resolve(values.dir ?? DEFAULT_DIR);
  const step = (n: number, text: string) => console.log(`\n== ${n}/7 ${text}`);

  step(1, `Generating demo data in ${path.relative(process.cwd(), path.join(dir, 'data')) || '.'}`);
  const files = await writeDemoData(path.join(dir, 'data'));
  console.log(`transactions: ${files.transactions}\nlabels:       ${files.labels}`);

  step(2, 'Loading the repo and checking it against the data');
  const loaded = await loadCheckedRepo(path.join(dir, 'featureflow.config.ts'));
  const { repoDir } = loaded;
  const repo = process.env['REDIS_URL']
    ? { ...loaded.repo, onlineStore: { ...loaded.repo.onlineStore, url: process.env['REDIS_URL'] } }
    : loaded.repo;
  console.log(
    `project ${repo.project}: ${repo.entities.length} entities, ${repo.sources.length} sources, ` +
      `${repo.featureViews.length} feature views, ${repo.featureServices.length} feature services`,
  );

  step(3, 'Applying the registry');
  const applied = await applyRepo(repoDir, repo);
  console.log(formatPlan(applied.changes));
  console.log(`registry version ${applied.version}`);

  step(4, 'Computing user_txn (windowed aggregations) as a backfill workflow on Temporal');
  const dayMs = 86_400_000;
  const today = Math.floor(Date.now() / dayMs) * dayMs;
  const backfill = await runDemoBackfill(loaded.configPath, 'user_txn', new Date(today - 15 * dayMs), new Date(today + dayMs));

  step(5, 'Building a training set: labels.csv joined point-in-time with service:fraud_v1 and user_txn');
  const out = path.join(resolveRepoPath(repoDir, repo.offlineStore.path), 'training_fraud_v1.parquet');
  const ctx = await openEngine(repo, repoDir, { threads: 2 });
  try {
    const set = await getHistoricalFeatures(ctx, { path: files.labels }, ['service:fraud_v1', 'user_txn:txn_count_7d', 'user_txn:purchases_7d'], {
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
  step(6, `Materializing the latest values into Redis (${repo.onlineStore.url}, prefix ${repo.onlineStore.keyPrefix})`);
  const now = new Date();
  const engine = await openEngine(repo, repoDir, { threads: 2 });
  const store = await connectOnlineStore({ url: repo.onlineStore.url, keyPrefix: repo.onlineStore.keyPrefix });
  try {
    const t0 = performance.now();
    const results = await materializeIncremental({ ctx: engine, store }, undefined, now);
    printResults(results, (performance.now() - t0) / 1000);
    step(7, 'Serving online features over HTTP');
    await serveAndAsk(repo, store, values.port === undefined ? 0 : Number(values.port), values['keep-serving'] ?? false, config);
  } finally {
    await store.close();
    closeEngine(engine);
    await backfill.dev.stop();
  }
  console.log(`\nThe backfill workflow: ${backfill.uiLink}` +
    (backfill.dev.started ? '\n(the demo stopped the dev server it started; run with --keep-serving to browse it, or start your own with `.tools/venv/bin/temporal server start-dev`)' : ''));
  console.log(`\nTry it yourself:
  npx featureflow plan --config ${config}
  npx featureflow historical --config ${config} --entities ${path.relative(process.cwd(), files.labels)} \\
      --features user_stats:txn_count_1h,merchant_stats:fraud_rate --out /tmp/training.csv
  npx featureflow materialize-incremental --config ${config} now
  npx featureflow serve --config ${config} --port 6566`);
  return 0;
}

const SAMPLE_REQUEST = {
  feature_service: 'fraud_v1',
  entities: { user_id: [1, 2, 99999], merchant_id: [3, 4, 5] },
};

async function serveAndAsk(repo: Repo, store: OnlineStore, port: number, keepServing: boolean, config: string): Promise<void> {
  const api = createServer({ repo, store });
  const address = await api.listen(port, '127.0.0.1');
  try {
    const body = JSON.stringify(SAMPLE_REQUEST);
    const response = await fetch(`${address.url}/get-online-features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const answer = (await response.json()) as { metadata: { feature_names: string[] }; results: Array<{ values: unknown[]; statuses: string[] }> };
    console.log(`POST ${address.url}/get-online-features ${body}\n-> HTTP ${response.status}`);
    const rows = SAMPLE_REQUEST.entities.user_id.map((_, i) =>
      Object.fromEntries(answer.metadata.feature_names.map((name, c) => [name, `${JSON.stringify(answer.results[c]?.values[i])} ${answer.results[c]?.statuses[i] === 'PRESENT' ? '' : answer.results[c]?.statuses[i]}`.trim()])),
    );
    console.log(formatTable(rows, answer.metadata.feature_names));
    const curl = `curl -s -X POST ${keepServing ? address.url : 'http://127.0.0.1:6566'}/get-online-features -H 'content-type: application/json' -d '${body}'`;
    if (keepServing) {
      console.log(`\nServing at ${address.url} until Ctrl-C. Try:\n  ${curl}`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    } else {
      console.log(`\nStart a server with "npx featureflow serve --config ${config}" (or run the demo with --keep-serving), then:\n  ${curl}`);
    }
  } finally {
    await api.close();
  }
}
