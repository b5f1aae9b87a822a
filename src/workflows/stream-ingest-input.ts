/**
 * Checking `streamIngest`'s input, which may come from the Temporal UI's form as any JSON: every problem at once,
 * each with its field, as one non-retryable INVALID_WORKFLOW_INPUT failure (a workflow task error would retry
 * forever). The client runs the same check before starting.
 */
import { parseInstantMs } from '../registry/instant.js';
import type { StreamIngestCarried, StreamIngestInput } from './contracts/stream-ingest.js';
import { duration, INVALID_WORKFLOW_INPUT, invalid, objectInput, unknownFields, wholeNumber } from './input.js';

export const STREAM_DEFAULTS = { runFor: '1h', runsPerWorkflow: 24, heartbeatTimeout: '30s' } as const;

const FIELDS = ['view', 'runFor', 'runsPerWorkflow', 'heartbeatTimeout', 'carried'] as const satisfies ReadonlyArray<keyof StreamIngestInput>;
const EXAMPLE = '{"view":"card_txn_stream"}';
/** A view name as the registry allows it (it is part of the workflow id). */
const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// A run's heartbeats and its activity timeout are sized from runFor: a week is already far past any sensible value.
const MAX_RUN_FOR_SECONDS = 7 * 86_400;

export interface ResolvedStreamIngest {
  view: string;
  runForMs: number;
  runsPerWorkflow: number;
  heartbeatTimeoutMs: number;
  carried: StreamIngestCarried | undefined;
}

export function resolveStreamIngestInput(input: unknown): ResolvedStreamIngest {
  const raw = objectInput(input, 'streamIngest', EXAMPLE, INVALID_WORKFLOW_INPUT);
  const problems: string[] = [];
  unknownFields(raw, FIELDS, problems);
  const view = typeof raw.view === 'string' && VIEW_NAME.test(raw.view) ? raw.view : undefined;
  if (view === undefined) problems.push(`view: must be the name of a feature view reading a stream source, got ${JSON.stringify(raw.view)}`);
  const runFor = duration(raw.runFor ?? STREAM_DEFAULTS.runFor, 'runFor', problems);
  if (runFor !== undefined && (runFor < 1 || runFor > MAX_RUN_FOR_SECONDS)) problems.push(`runFor: must be from 1s to 7d, got ${JSON.stringify(raw.runFor)}`);
  const heartbeat = duration(raw.heartbeatTimeout ?? STREAM_DEFAULTS.heartbeatTimeout, 'heartbeatTimeout', problems);
  if (heartbeat === 0) problems.push('heartbeatTimeout: must be at least 1s');
  const runsPerWorkflow = wholeNumber(raw.runsPerWorkflow ?? STREAM_DEFAULTS.runsPerWorkflow, 'runsPerWorkflow', [1, 1000], problems);
  if (raw.carried !== undefined && !isCarried(raw.carried)) {
    problems.push('carried: is set by the workflow itself when it continues as new; leave it out when starting');
  }
  if (problems.length > 0) throw invalid('streamIngest', problems, INVALID_WORKFLOW_INPUT);
  return {
    view: view as string,
    runForMs: (runFor as number) * 1000,
    runsPerWorkflow: runsPerWorkflow as number,
    heartbeatTimeoutMs: (heartbeat as number) * 1000,
    carried: raw.carried as StreamIngestCarried | undefined,
  };
}

/** Only shape: a run given nonsense here would throw inside the workflow, where errors retry forever. */
function isCarried(value: unknown): value is StreamIngestCarried {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const counts = ['runs', 'events', 'late', 'invalid', 'continuedAsNew'];
  return (
    counts.every((k) => typeof c[k] === 'number' && Number.isInteger(c[k]) && (c[k] as number) >= 0) &&
    parseInstantMs(c.startedAt) !== undefined &&
    (c.lastRun === undefined || (typeof c.lastRun === 'object' && c.lastRun !== null))
  );
}
