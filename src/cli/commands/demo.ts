/**
 * `featureflow demo`: the main job end to end on generated data, run the way a deployment runs it: the registry is
 * checked and stored; computation, training sets and materialization are Temporal workflows on a worker; the online
 * store is kept fresh by Temporal Schedules (backfilled over the last hours, as the UI's Backfill button does);
 * freshness is checked against each view's SLA; features are served over HTTP.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeFreshness } from '../../freshness/compute.js';
import { formatPlan } from '../../registry/plan.js';
import { resolveRepoPath } from '../../registry/load.js';
import { applyRepo } from '../../registry/store.js';
import type { RedisOnlineStore } from '../../online/redis-store.js';
import { connectRepoStore, resolveOnlineStoreTarget } from '../../online/store-target.js';
import type { Repo } from '../../registry/schema.js';
import { parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';
import { runDemoBackfills } from '../demo-backfill.js';
import { DEMO_SIZES, writeDemoData } from '../demo-data.js';
import { runDemoQuality } from '../demo-quality.js';
import { runDemoSchedules } from '../demo-schedules.js';
import { serveAndAsk } from '../demo-serve.js';
import { startDemoTemporal } from '../demo-temporal.js';
import { runDemoTrainingSet } from '../demo-training.js';
import { loadCheckedRepo } from '../load-checked.js';
import { freshnessReport } from './freshness.js';

const USAGE = `usage: featureflow demo [--dir examples/fraud] [--small] [--keep-serving] [--port 6566] [--hours 24]
                      [--address HOST:PORT --namespace NS --task-queue Q [TLS options]]

Runs the example end to end: generates data (~1M card transactions over 90 days; --small: 20,000 over 14 days), checks and applies the repo, computes the windowed aggregations as a
backfill workflow, builds a training set as a trainingSet workflow, applies the repo's Temporal Schedules and
backfills them over the last --hours (each window materialized into Redis as of its own time), checks freshness,
and serves the features over HTTP. Temporal: the server of --address or TEMPORAL_ADDRESS (with TEMPORAL_API_KEY and
the TLS variables) when one is given, else a dev server on 127.0.0.1:7233 if one runs, else the project's own
(UI on :8233). On a shared server give the demo its own --task-queue: its worker runs the demo's code. Redis: REDIS_URL, else the repo's onlineStore.url. With --keep-serving the dev server,
the worker and the API stay up until Ctrl-C, so the Schedules can be explored (and backfilled) in the Temporal UI.
Each step says how long it took, and a summary closes the run.

Temporal (a server of your own; without --address nor TEMPORAL_ADDRESS, the dev server above):
${TEMPORAL_OPTIONS_HELP}`;
const DEFAULT_DIR = fileURLToPath(new URL('../../../examples/fraud', import.meta.url));
const STEP_NAMES = [
  'generate data',
  'load and check the repo',
  'apply the registry',
  'backfill the aggregations (workflows)',
  'training set (workflow)',
  'Schedules: apply and backfill 24h into Redis',
  'freshness',
  'feature quality: stats and drift',
  'serve over HTTP',
];
const STEPS = STEP_NAMES.length;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      dir: { type: 'string' },
      small: { type: 'boolean' },
      'keep-serving': { type: 'boolean' },
      port: { type: 'string' },
      hours: { type: 'string' },
      ...TEMPORAL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = path.resolve(values.dir ?? DEFAULT_DIR);
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 14) throw new UsageError(`--hours: expected a whole number of hours from 1 to 336, got "${values.hours}"`);
  // Before any work: a TLS flag without a server to use it with is a usage error.
  const temporalChoice = temporalOptions(values);
  const scale = values.small ? 'small' : 'full';
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

  const aggregations = repo.featureViews.filter((v) => v.aggregation).map((v) => v.name);
  step(4, `Computing the windowed aggregations (${aggregations.join(', ')}) as backfill workflows on Temporal`);
  const temporal = await startDemoTemporal(loaded.configPath, { ...temporalChoice, project: repo.project });
  const interrupted = values['keep-serving'] ? new Promise<void>((resolve) => process.once('SIGINT', () => resolve())) : undefined;
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

      step(9, 'Serving online features over HTTP');
      const config = path.relative(process.cwd(), path.join(dir, 'featureflow.config.ts'));
      if (interrupted) console.log(`Temporal UI: ${temporal.dev.uiUrl}/namespaces/${temporal.worker.namespace}/schedules (worker running)`);
      await serveAndAsk(repo, store, values.port === undefined ? 0 : Number(values.port), interrupted, config);
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

/** A server of your own when an address is given (flag or TEMPORAL_ADDRESS); the dev server otherwise. */
function temporalOptions(values: Parameters<typeof temporalTarget>[0] & { 'task-queue'?: string | undefined }): Parameters<typeof startDemoTemporal>[1] {
  const target = temporalTarget(values);
  const taskQueue = values['task-queue'];
  const own = target.address || process.env.TEMPORAL_ADDRESS;
  const secured = (['apiKey', 'tls', 'tlsCertPath', 'tlsKeyPath', 'tlsCaPath', 'tlsServerName'] as const).find((k) => target[k] !== undefined);
  if (!own && secured) throw new UsageError(`${secured === 'apiKey' ? '--api-key' : 'a --tls option'} needs --address (or TEMPORAL_ADDRESS): the dev server is plaintext`);
  return { ...(own ? { server: target } : target.namespace ? { namespace: target.namespace } : {}), ...(taskQueue ? { taskQueue } : {}) };
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
