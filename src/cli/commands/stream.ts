/**
 * `featureflow stream start | status | stop VIEW`: the `streamIngest` workflow of a stream view. Only argument
 * parsing happens before a subcommand is known to be well-formed; the repo, the Temporal client and zod are loaded
 * after, so `stream --help` and usage errors cost nothing.
 */
import { CONFIG_OPTION, parseCommandArgs, temporalTarget, TEMPORAL_OPTIONS, TEMPORAL_OPTIONS_HELP, UsageError } from '../args.js';
import type { StreamIngestReport } from '../../client/stream.js';
import { tryParseDuration } from '../../registry/duration.js';
import type { StoredStateReading } from '../../stream/stored-state.js';

export const USAGE = `usage: featureflow stream start  VIEW [--run-for 1h] [--heartbeat-timeout 30s] [--config F] [temporal options]
       featureflow stream status VIEW [--json] [--config F] [temporal options]
       featureflow stream stop   VIEW [--config F] [temporal options]

Keeps a stream view's tiles in Redis fresh: a \`streamIngest\` workflow (id stream-ingest-<project>-<VIEW>) runs a
long-running activity that consumes the view's broker, heartbeating its position. When a worker dies, Temporal
retries the run on another worker after the heartbeat timeout (30s), from the position stored with the tiles.
A worker must be running (featureflow worker).

  start    start ingesting VIEW; idempotent: if it is already running, says so and starts nothing
  status   the workflow's state, the run in flight (attempt, last failure) and its last heartbeat: positions,
           events/s, late and invalid events, lag; totals of finished runs; and the state stored with the tiles in
           Redis (the truth the next run resumes from): positions, watermark, events, late, invalid, lag, when it
           last wrote and last caught up. Exit 0 while running, 3 when not
  stop     cancel it and wait until it has stopped (the run in flight notices at its next heartbeat response,
           within 5s on \`featureflow worker\`, and stops after its current batch)

  -c, --config FILE     the repo config: its project names the workflow, VIEW must read a stream source there
                        (default FEATUREFLOW_CONFIG, else featureflow.config.ts / featureflow.json here)
      --run-for D       start: how long each activity run consumes before the workflow starts the next (default 1h)
      --heartbeat-timeout D
                        start: how long a run may go without a heartbeat before it is retried elsewhere (default 30s)
      --json            status: print the report as JSON
${TEMPORAL_OPTIONS_HELP}
UI links use TEMPORAL_UI_URL (default http://localhost:8233).`;

const OPTIONS = {
  ...CONFIG_OPTION,
  ...TEMPORAL_OPTIONS,
  'run-for': { type: 'string' },
  'heartbeat-timeout': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SUBCOMMANDS = ['start', 'status', 'stop'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** Exit status of `status` when the ingestion is not running (as `freshness` exits 3 on a stale view). */
export const NOT_RUNNING_EXIT = 3;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}: use ${SUBCOMMANDS.join(', ')}\n\n${USAGE}`);
  }
  if (rest.length !== 1) {
    throw new UsageError(`stream ${sub} takes VIEW, got ${rest.length === 0 ? 'no arguments' : `${rest.length} arguments`}\n\n${USAGE}`);
  }
  const runFor = durationFlag(values['run-for'], 'run-for', sub);
  const heartbeatTimeout = durationFlag(values['heartbeat-timeout'], 'heartbeat-timeout', sub);
  if (values.json && sub !== 'status') throw new UsageError(`--json is an option of stream status\n\n${USAGE}`);
  const view = rest[0] as string;

  const { loadValidatedRepo } = await import('../../registry/load.js');
  const { repo } = await loadValidatedRepo(values.config);
  const [{ connectClient, workflowUiUrl }, { getStreamIngestStatus, startStreamIngest, stopStreamIngest }, { streamIngestWorkflowId }] = await Promise.all([
    import('../../client/connection.js'),
    import('../../client/stream.js'),
    import('../../workflows/contracts/stream-ingest.js'),
  ]);
  const workflowId = streamIngestWorkflowId(repo.project, view);
  if ((sub as Subcommand) === 'start') {
    // Checked here too, so a typo fails now rather than in the worker's first run.
    const { findStreamView } = await import('../../registry/stream-view.js');
    findStreamView(repo, view);
  }
  const client = await connectClient(temporalTarget(values));
  const link = (): void => console.log(`Temporal UI: ${workflowUiUrl(workflowId, client.options.namespace)}`);
  try {
    switch (sub as Subcommand) {
      case 'start': {
        const started = await startStreamIngest(client, repo.project, { view, ...(runFor ? { runFor } : {}), ...(heartbeatTimeout ? { heartbeatTimeout } : {}) }, {
          ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
        });
        console.log(
          started.alreadyRunning
            ? `Stream ingestion of ${view} is already running as workflow ${workflowId} (run ${started.runId}); nothing started.`
            : `Started stream ingestion of ${view}: workflow ${workflowId}`,
        );
        link();
        return 0;
      }
      case 'status': {
        const { readStoredStreamState } = await import('../../stream/stored-state.js');
        const [report, stored] = await Promise.all([getStreamIngestStatus(client, workflowId), readStoredStreamState(repo, view)]);
        if (values.json) console.log(JSON.stringify({ ...report, stored }, null, 2));
        else {
          console.log(statusText(view, report, stored));
          if (report.status !== 'NOT_FOUND') link();
        }
        return report.status === 'RUNNING' ? 0 : NOT_RUNNING_EXIT;
      }
      case 'stop': {
        console.error(`Stopping ${workflowId} (the run in flight stops at its next heartbeat) ...`);
        const outcome = await stopStreamIngest(client, workflowId);
        console.log(outcome === 'stopped' ? `Stopped stream ingestion of ${view} (workflow ${workflowId}).` : `Stream ingestion of ${view} is not running (workflow ${workflowId}); nothing to stop.`);
        return 0;
      }
    }
  } finally {
    await client.connection.close();
  }
}

/** A start-only duration flag, at least 1s. */
function durationFlag(value: string | undefined, flag: string, sub: string): string | undefined {
  if (value === undefined) return undefined;
  if (sub !== 'start') throw new UsageError(`--${flag} is an option of stream start\n\n${USAGE}`);
  if (!((tryParseDuration(value) ?? 0) >= 1)) throw new UsageError(`--${flag}: expected a duration like 30s, 15m or 1h, got "${value}"`);
  return value;
}

const count = (n: number): string => n.toLocaleString('en-US');

const iso = (ms: number): string => new Date(ms).toISOString();

/** How long ago, for a person: `3s ago`, `2m 5s ago`, `4h 1m ago`. */
function ago(ms: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
}

/** The state stored with the tiles in Redis: what the next run resumes from, and what freshness and /metrics read. */
function storedLines(view: string, stored: StoredStateReading, rate: number | null | undefined, nowMs: number): string[] {
  if ('error' in stored) return [`  stored state (Redis): unavailable: ${stored.error}`];
  const s = stored.state;
  if (!s) return [`  stored state (Redis): none yet (no batch of ${view} written)`];
  const watermark = s.watermarkMicros > 0 ? iso(Math.floor(s.watermarkMicros / 1000)) : 'none';
  const updated = s.updatedAtMs > 0 ? `updated ${iso(s.updatedAtMs)}, ${ago(s.updatedAtMs, nowMs)}` : 'never updated';
  const events = `${count(s.events)} events${rate === null || rate === undefined ? '' : ` (${rate}/s)`}`;
  const overflow = s.overflow > 0 ? `, ${count(s.overflow)} count_distinct values over the per-tile cap dropped` : '';
  const caughtUp = s.caughtUpAtMs > 0 ? `caught up ${iso(s.caughtUpAtMs)} (${ago(s.caughtUpAtMs, nowMs)})` : 'never caught up';
  return [
    `  stored state (Redis, ${updated}): positions ${JSON.stringify(s.positions)}, watermark ${watermark}`,
    `    ${events}, ${count(s.late)} late, ${count(s.invalid)} invalid${overflow}; lag ${count(s.pending)} messages, ${caughtUp}`,
  ];
}

/**
 * The report as a few lines for a person (--json gives every field). `stored`: the state in Redis, shown after the
 * workflow's lines; `nowMs` for the "ago" texts.
 */
export function statusText(view: string, r: StreamIngestReport, stored?: StoredStateReading, nowMs: number = Date.now()): string {
  const storedPart = stored ? storedLines(view, stored, r.heartbeat?.eventsPerSecond, nowMs) : [];
  if (r.status === 'NOT_FOUND') {
    const never = `Stream ingestion of ${view} has never run (no workflow ${r.workflowId}); start it with \`featureflow stream start ${view}\`.`;
    // A workflow gone past the namespace's retention may have left tiles and state behind: show them.
    return stored && 'state' in stored && stored.state ? [never.replace('has never run', 'is not running'), ...storedPart].join('\n') : never;
  }
  const lines = [`${r.workflowId}: ${r.status}${r.closedAt ? ` (closed ${r.closedAt})` : ''}; current run started ${r.runStartedAt}`];
  if (r.activity !== 'none') {
    const beat = r.lastHeartbeatAt ? `, last heartbeat ${r.lastHeartbeatAt}` : ', no heartbeat yet';
    lines.push(`  ingest run: ${r.activity}, attempt ${r.attempt}${beat}`);
    if (r.lastFailure) lines.push(`  last failure: ${r.lastFailure}`);
  }
  const h = r.heartbeat;
  if (h) {
    const rate = h.eventsPerSecond === null ? '' : ` (${h.eventsPerSecond}/s)`;
    const lag = h.pending === undefined ? '' : `, lag ${count(h.pending)} messages`;
    const watermark = h.watermarkMicros ? `, watermark ${new Date(Math.floor(h.watermarkMicros / 1000)).toISOString()}` : '';
    lines.push(`  positions: ${JSON.stringify(h.positions)}`);
    lines.push(`  this run (since ${h.since}): ${count(h.events)} events${rate}${lag}${watermark}`);
    const total = h.totalEvents === undefined ? '' : `${count(h.totalEvents)} events, `;
    lines.push(`  view totals: ${total}${count(h.late)} late, ${count(h.invalid)} invalid`);
  }
  const t = r.totals;
  if (t) {
    lines.push(
      `  finished runs: ${count(t.runs)} (${count(t.events)} events)` +
        `${t.lastRunEndedAt ? `, last ended ${t.lastRunEndedAt}` : ''}; continued as new ${t.continuedAsNew} time${t.continuedAsNew === 1 ? '' : 's'}`,
    );
  }
  lines.push(...storedPart);
  return lines.join('\n');
}
