/**
 * Replays workflow histories against workflow code, the check that a change keeps running workflows
 * deterministic: a worker running changed code re-executes the code of every open workflow from its history, and a
 * command that differs from the recorded event (TMPRL1100) leaves that workflow stuck in a retrying workflow task.
 * Replay finds it before deploying. The replay worker must see workflows exactly as the real worker does: the same
 * bundle entry (default the worker's WORKFLOWS_PATH), the same data converter and the same workflow interceptors.
 * src/worker.ts sets neither, so the defaults here match; a worker that adds any must pass the same ones here.
 */
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { FeatureflowError } from '../registry/errors.js';
import type { History } from './history-json.js';

export interface HistoryToReplay {
  /** How the user knows it: a file name, or the workflow id and run id it was fetched by. */
  name: string;
  history: History;
}

export interface ReplayFailure {
  /** True for a nondeterminism error (the code's commands diverge from the history); false for any other failure. */
  nondeterministic: boolean;
  /** The SDK's explanation; for a divergence it names the event and the command that disagree. */
  message: string;
}

export interface ReplayOutcome {
  name: string;
  workflowId: string;
  workflowType: string;
  events: number;
  /** Absent when the history replayed. */
  failure?: ReplayFailure;
}

export type ReplayOptions = Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle' | 'dataConverter' | 'interceptors'>;

/** The first event says which workflow type and id a history belongs to. */
export function describeHistory(history: History): { workflowType: string; workflowId: string | undefined; events: number } {
  const attrs = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return {
    workflowType: attrs?.workflowType?.name ?? 'unknown',
    workflowId: attrs?.workflowId || undefined,
    events: history.events?.length ?? 0,
  };
}

/**
 * Replays each history in turn, yielding its outcome as soon as it is known (the bundle is built once, first).
 * Throws a FeatureflowError when the workflow code cannot be bundled at all.
 */
export async function* replayHistories(
  histories: readonly HistoryToReplay[],
  options: ReplayOptions = {},
): AsyncGenerator<ReplayOutcome> {
  if (histories.length === 0) return;
  const { DefaultLogger, Runtime, Worker } = await import('@temporalio/worker');
  if (!Runtime._instance) {
    // A check prints its findings only: the SDK logs bundling and worker states at INFO, and core and the worker
    // log each failing workflow task, which is the finding we report ourselves (the runtime is once per process).
    const stderr = new DefaultLogger('WARN');
    const logger = new DefaultLogger('WARN', (e) => e.message !== ACTIVATION_FAILED && stderr.log(e.level, e.message, e.meta));
    Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  }
  const workflowsPath = options.workflowBundle ? undefined : (options.workflowsPath ?? (await import('../worker.js')).WORKFLOWS_PATH);
  const described = histories.map((h) => ({ ...h, ...describeHistory(h.history) }));
  // The recorded id, so workflowInfo() reads as it did in the original run (runs of one chain may share it).
  const inputs = described.map((h) => ({ workflowId: h.workflowId ?? h.name, history: h.history }));
  const results = Worker.runReplayHistories(
    { ...options, ...(workflowsPath ? { workflowsPath } : {}), replayName: 'featureflow-replay' },
    inputs,
  );
  let index = 0;
  try {
    for await (const result of results) {
      const h = described[index++]!;
      const outcome: ReplayOutcome = { name: h.name, workflowId: h.workflowId ?? h.name, workflowType: h.workflowType, events: h.events };
      if (result.error) outcome.failure = failureOf(result.error);
      yield outcome;
    }
  } catch (err) {
    if (index > 0) throw err;
    throw new FeatureflowError(
      'REPLAY_SETUP',
      `cannot replay against ${workflowsPath ?? 'the given workflow bundle'}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

const ACTIVATION_FAILED = 'Failed to process Workflow Activation';
const DETAILS = /^Replay failed (?:with a nondeterminism error|due workflow task failure)\..*?Details: /s;

// Core's debug rendering of the failure: `Failure { failure: Some(Failure { message: "[TMPRL1100] ...", ... }`.
const CORE_MESSAGE = /\bmessage: "((?:[^"\\]|\\.)*)"/;

function failureOf(error: Error): ReplayFailure {
  const details = error.message.replace(DETAILS, '');
  const core = CORE_MESSAGE.exec(details)?.[1];
  return {
    nondeterministic: error.name === 'DeterminismViolationError',
    message: core ? core.replace(/\\(.)/g, '$1') : details,
  };
}
