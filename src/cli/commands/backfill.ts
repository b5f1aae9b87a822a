/**
 * `featureflow backfill VIEW START END`: starts the backfill workflow, prints its id and Temporal UI link, and with
 * --wait follows it through the `progress` query until it ends. The repo is read first so a typo in the view name
 * or a plain view without --materialize fails here, not in the first chunk.
 */
import type { Client } from '@temporalio/client';
import { FeatureflowError } from '../../registry/errors.js';
import { findView } from '../../registry/features.js';
import { loadValidatedRepo } from '../../registry/load.js';
import type { BackfillInput, BackfillProgress, BackfillResult } from '../../workflows/shared.js';
import { CONFIG_OPTION, parseCommandArgs, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, temporalTarget, UsageError } from '../args.js';
import { parseInstant } from '../instant.js';

const USAGE = `usage: featureflow backfill VIEW START END [--chunk 1d] [--parallelism 4] [--materialize] [--wait]
                          [--config FILE] [--task-queue Q] [--address HOST:PORT] [--namespace NS] [TLS options]

Computes a computed view's offline rows for [START, END) in chunks, as a Temporal workflow that survives worker
crashes, can be paused, resumed and cancelled, and shows its progress in the Temporal UI. With --materialize each
chunk is also written to the online store (for a plain view, that is all it does). A worker must be running
(featureflow worker). The same VIEW, START and END cannot run twice at once.

  -c, --config FILE     the repo config, checked for VIEW before starting (default: FEATUREFLOW_CONFIG,
                        else featureflow.config.ts, then featureflow.json, here)
      --chunk D         chunk length: 15m, 1h, 1d, 1w, ... (default 1d); boundaries are multiples of it (UTC)
      --parallelism N   chunks in flight at once (default 4)
      --materialize     also write each chunk's latest values to the online store
      --wait            follow the progress until the backfill ends (exit 1 if it fails or is cancelled)
${TEMPORAL_OPTIONS_HELP}
START and END are ISO-8601 (UTC unless they carry a zone). UI links use TEMPORAL_UI_URL (default http://localhost:8233).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  chunk: { type: 'string' },
  parallelism: { type: 'string' },
  materialize: { type: 'boolean' },
  wait: { type: 'boolean' },
  ...TEMPORAL_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 3) throw new UsageError(`expected VIEW, START and END, got ${positionals.length} arguments\n\n${USAGE}`);
  const [view, startText, endText] = positionals as [string, string, string];
  const parallelism = values.parallelism === undefined ? undefined : Number(values.parallelism);
  if (parallelism !== undefined && !/^\d+$/.test(values.parallelism ?? '')) {
    throw new UsageError(`--parallelism: expected a whole number, got "${values.parallelism}"`);
  }
  const input: BackfillInput = {
    view,
    start: parseInstant(startText, 'START').toISOString(),
    end: parseInstant(endText, 'END').toISOString(),
    ...(values.chunk ? { chunk: values.chunk } : {}),
    ...(parallelism !== undefined ? { parallelism } : {}),
    ...(values.materialize ? { materialize: true } : {}),
  };
  const project = await checkView(values.config, view, input.materialize === true);

  const { connectClient, startBackfill, workflowUiUrl } = await import('../../client.js');
  const client = await connectClient(temporalTarget(values));
  try {
    const handle = await startBackfill(client, input, { project, ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}) });
    console.log(`Started backfill ${handle.workflowId}`);
    console.log(`Temporal UI: ${workflowUiUrl(handle.workflowId, client.options.namespace)}`);
    if (!values.wait) return 0;
    console.error('Ctrl-C stops watching; the backfill keeps running.');
    return await follow(client, handle.workflowId);
  } finally {
    await client.connection.close();
  }
}

/** Returns the repo's project, which labels the run. */
async function checkView(configPath: string | undefined, name: string, materialize: boolean): Promise<string> {
  // The same default as the worker's, so both read the same repo.
  const { repo } = await loadValidatedRepo(configPath);
  const view = findView(repo, name);
  const { isComputedView } = await import('../../engine/view-rows.js');
  if (!isComputedView(view) && !materialize) {
    throw new FeatureflowError(
      'NOTHING_TO_COMPUTE',
      `feature view "${name}" is not computed (no transform or aggregation): there is nothing to compute; add --materialize to materialize it`,
    );
  }
  if (materialize && !view.online) {
    throw new FeatureflowError('VIEW_NOT_ONLINE', `feature view "${name}" has online: false; it cannot be materialized`);
  }
  return repo.project;
}

/** Polls `progress` until the workflow ends (see follow-workflow.ts). */
async function follow(client: Client, workflowId: string): Promise<number> {
  const [{ progressQuery }, { failureText, followWorkflow }] = await Promise.all([
    import('../../workflows/shared.js'),
    import('../follow-workflow.js'),
  ]);
  const handle = client.workflow.getHandle(workflowId);
  const end = await followWorkflow<BackfillResult>(client, workflowId, async (elapsed) => progressLine(await handle.query(progressQuery), elapsed));
  if (end.ok) {
    const r = end.result;
    const seconds = ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1);
    console.log(
      `Backfill of ${r.view} done: ${r.chunksDone}/${r.chunksTotal} chunks, ${r.rowsWritten.toLocaleString('en-US')} rows, ` +
        `${r.keysWritten.toLocaleString('en-US')} keys in ${seconds}s (${r.runs} run${r.runs === 1 ? '' : 's'})`,
    );
    return 0;
  }
  console.error(`featureflow: backfill ${workflowId} did not complete: ${failureText(end.error)}`);
  return 1;
}

function progressLine(p: BackfillProgress, elapsedSeconds: number): string {
  const fraction = p.chunksTotal === 0 ? 1 : p.chunksDone / p.chunksTotal;
  const width = 30;
  const bar = '#'.repeat(Math.floor(fraction * width)).padEnd(width, '.');
  const eta = p.etaSeconds === null ? '' : ` ETA ${p.etaSeconds}s`;
  const state = p.state === 'running' ? '' : ` [${p.state}]`;
  return (
    `${p.view} [${bar}] ${(fraction * 100).toFixed(1)}% ${p.chunksDone}/${p.chunksTotal} chunks, ` +
    `${p.rowsWritten.toLocaleString('en-US')} rows, ${p.running.length} running${eta}${state} ${elapsedSeconds.toFixed(0)}s`
  );
}
