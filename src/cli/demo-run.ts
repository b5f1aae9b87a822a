/**
 * `featureflow demo`'s steps, loaded only once the command line was parsed (so `demo --help` loads neither DuckDB
 * nor Temporal): data, repo, registry, backfills, training set, Schedules, freshness, feature quality, streaming,
 * serving.
 */
import path from 'node:path';
import { computeFreshness } from '../freshness/compute.js';
import { formatPlan } from '../registry/plan.js';
import { resolveRepoPath } from '../registry/load.js';
import { applyRepo } from '../registry/store.js';
import type { RedisOnlineStore } from '../online/redis-store.js';
import { connectRepoStore, resolveOnlineStoreTarget } from '../online/store-target.js';
import type { Repo } from '../registry/schema.js';
import { runDemoBackfills } from './demo-backfill.js';
import { DEMO_SIZES, writeDemoData, type DemoScale } from './demo-data.js';
import { runDemoQuality } from './demo-quality.js';
import { runDemoSchedules } from './demo-schedules.js';
import { serveAndAsk } from './demo-serve.js';
import { DEMO_STREAM_VIEW, runDemoStream } from './demo-stream.js';
import { chooseDemoBroker } from './demo-stream-broker.js';
import { startDemoTemporal } from './demo-temporal.js';
import { runDemoTrainingSet } from './demo-training.js';
import { loadCheckedRepo } from './load-checked.js';
import { freshnessReport } from './commands/freshness.js';

const STEP_NAMES = [
  'generate data',
  'load and check the repo',
  'apply the registry',
  'backfill the aggregations (workflows)',
  'training set (workflow)',
  'Schedules: apply and backfill 24h into Redis',
  'freshness',
  'feature quality: stats and drift',
  'stream card transactions (workflow)',
  'serve over HTTP',
];
const STEPS = STEP_NAMES.length;

export interface DemoOptions {
  dir: string;
  hours: number;
  scale: DemoScale;
  temporalChoice: Parameters<typeof startDemoTemporal>[1];
  keepServing: boolean;
  port?: number;
  /** How long the streaming step publishes card transactions; 0 leaves the step out. */
  streamSeconds: number;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { dir, hours, scale, temporalChoice } = options;
  const size = DEMO_SIZES[scale];
  const timings: Array<{ step: string; seconds: number }> = [];
  let current: { step: string; startMs: number } | undefined;
  const finishStep = (): void => {
    if (!current) return;
    const seconds = (Date.now() - current.startMs) / 1000;
    timings.push({ step: current.step, seconds });
    console.log(`(${seconds.toFixed(1)} s)`);
    current = undefined;
  };
  const step = (n: number, text: string): void => {
    finishStep();
    console.log(`\n== ${n}/${STEPS} ${text}`);
    current = { step: `${n}. ${STEP_NAMES[n - 1] ?? ''}`, startMs: Date.now() };
  };
  const started = Date.now();

  step(1, `Generating demo data in ${path.relative(process.cwd(), path.join(dir, 'data')) || '.'}`);
  const files = await writeDemoData(path.join(dir, 'data'), scale);
  console.log(
    `${size.transactions.toLocaleString('en')} transactions over ${size.days} days (${size.users.toLocaleString('en')} card holders, ` +
      `${size.merchants} merchants): ${files.transactions}\n${size.labels.toLocaleString('en')} labels: ${files.labels}`,
  );

  step(2, 'Loading the repo and checking it against the data');
  // Before the repo is loaded: its stream source's broker depends on it (examples/fraud/featureflow.config.ts).
  const broker = await chooseDemoBroker();
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
  // A clean slate: watermarks left by an earlier run (or rows of a view whose features changed since) would make
  // this run's materialization skip windows as already done.
  const cleared = await withStore(repo, (store) => store.clearProject(repo.project));
  if (cleared > 0) console.log(`cleared ${cleared} online-store keys of project ${repo.project} left by an earlier run`);

  // Stream views are ingested from their broker (step 9), not backfilled.
  const streamSources = new Set(repo.sources.filter((s) => s.type === 'stream').map((s) => s.name));
  const aggregations = repo.featureViews.filter((v) => v.aggregation && !streamSources.has(v.source)).map((v) => v.name);
  step(4, `Computing the windowed aggregations (${aggregations.join(', ')}) as backfill workflows on Temporal`);
  const temporal = await startDemoTemporal(loaded.configPath, { ...temporalChoice, project: repo.project });
  const interrupted = options.keepServing ? new Promise<void>((resolve) => process.once('SIGINT', () => resolve())) : undefined;
  try {
    const dayMs = 86_400_000;
    const today = Math.floor(Date.now() / dayMs) * dayMs;
    // Week-long chunks at full scale: fewer, bigger activities (each carries seconds of work, not milliseconds).
    const rows = await runDemoBackfills(temporal, aggregations, new Date(today - (size.days + 1) * dayMs), new Date(today + dayMs), scale === 'full' ? '7d' : '1d');
    console.log(`${rows.toLocaleString('en')} aggregate rows computed`);

    step(5, 'Building a training set as a trainingSet workflow: labels.csv joined point-in-time with fraud_v1 and the aggregations');
    const out = path.join(resolveRepoPath(repoDir, repo.offlineStore.path), 'training_fraud_v1.parquet');
    await runDemoTrainingSet(temporal, files.labels, [
      'service:fraud_v1',
      'user_txn:txn_count_7d',
      'user_txn:purchases_30d',
      'merchant_txn:refunds_30d',
      'user_merchant:txn_count_30d',
    ], out);

    step(6, `Applying the Temporal Schedules and backfilling them over the last ${hours} hours into Redis (${resolveOnlineStoreTarget(repo.onlineStore).display}, prefix ${repo.onlineStore.keyPrefix})`);
    await runDemoSchedules(temporal, repo, hours);

    const store = await connectRepoStore(repo.onlineStore);
    try {
      step(7, 'Checking freshness against each view\'s SLA (what GET /freshness and the checkFreshness Schedules report)');
      const now = new Date();
      console.log(freshnessReport(repo.project, now.toISOString(), await computeFreshness(repo, store, undefined, now)));

      step(8, 'Feature quality: statistics of user_txn, a drift report of the last 3 days against a snapshot of the weeks before, an HTML page');
      await runDemoQuality(repo, repoDir, 'user_txn', size.days);

      step(9, `Streaming card transactions through ${broker.kind === 'nats' ? 'NATS JetStream' : 'a Redis Stream'} (${broker.why}) into ${DEMO_STREAM_VIEW}, ingested by the streamIngest workflow`);
      if (options.streamSeconds > 0) {
        await runDemoStream(temporal, repo, store, { seconds: options.streamSeconds, users: size.users, merchants: size.merchants });
      } else {
        console.log('left out (--stream-seconds 0)');
      }

      step(10, 'Serving online features over HTTP');
      const config = path.relative(process.cwd(), path.join(dir, 'featureflow.config.ts'));
      if (interrupted) console.log(`Temporal UI: ${temporal.dev.uiUrl}/namespaces/${temporal.worker.namespace}/schedules (worker running)`);
      await serveAndAsk(repo, store, options.port ?? 0, interrupted, config);
      finishStep();
      printTimings(timings, (Date.now() - started) / 1000);
      printNext(config, path.relative(process.cwd(), files.labels), temporal.dev.started && !interrupted);
    } finally {
      await store.close();
    }
  } finally {
    await temporal.stop();
  }
  return 0;
}

async function withStore<T>(repo: Repo, use: (store: RedisOnlineStore) => Promise<T>): Promise<T> {
  const store = await connectRepoStore(repo.onlineStore);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function printTimings(timings: ReadonlyArray<{ step: string; seconds: number }>, total: number): void {
  console.log('\nHow long each step took:');
  for (const t of timings) console.log(`  ${t.step.padEnd(48)} ${t.seconds.toFixed(1).padStart(6)} s`);
  console.log(`  ${'total'.padEnd(48)} ${total.toFixed(1).padStart(6)} s`);
}

function printNext(config: string, labels: string, stoppedOwnDevServer: boolean): void {
  if (stoppedOwnDevServer) {
    console.log(
      '\n(The demo stopped the Temporal dev server it started: run it with --keep-serving to browse the workflows and ' +
        'Schedules in the UI, or start your own with `.tools/venv/bin/temporal server start-dev` and run the demo again.)',
    );
  }
  console.log(`\nTry it yourself (with \`npx featureflow worker --config ${config}\` running for the workflow commands):
  npx featureflow plan --config ${config}
  npx featureflow schedules apply --config ${config}      # then: schedules list | trigger user_stats | backfill ...
  npx featureflow historical --config ${config} --entities ${labels} \\
      --features user_stats:txn_count_1h,merchant_stats:fraud_rate --out /tmp/training.csv [--workflow]
  npx featureflow freshness --config ${config}
  npx featureflow serve --config ${config} --port 6566
  npx featureflow replay --dir test/replay/histories   # the check before deploying a workflow change`);
}
