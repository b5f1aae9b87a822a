/**
 * Measuring a workflow chain's histories: every run of a workflow id (following continue-as-new from the first
 * run), the event count of each, and the size of every payload any event carries (inputs, results, memos,
 * failure details), found by walking the events rather than by listing the fields we expect to hold them.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface RunHistory {
  runId: string;
  events: number;
  /** Largest payload of the run, in bytes (data plus metadata keys and values). */
  maxPayloadBytes: number;
  /** Where that payload sits, e.g. `activityTaskScheduledEventAttributes.input.payloads.0`. */
  maxPayloadAt: string;
  payloads: number;
  /** Activities whose started event records an attempt after the first (an activity that ran again). */
  retriedActivities: number;
  /** Activity results of the run that report their own duration (computeChunk's `seconds`), summed. */
  activitySeconds: number;
}

interface PayloadLike {
  data?: Uint8Array | null;
  metadata?: Record<string, Uint8Array> | null;
}

function isPayload(value: object): value is PayloadLike {
  return 'data' in value && (value as PayloadLike).data instanceof Uint8Array;
}

function payloadBytes(p: PayloadLike): number {
  let n = p.data?.length ?? 0;
  for (const [key, value] of Object.entries(p.metadata ?? {})) n += key.length + value.length;
  return n;
}

/** Calls `visit` for every payload nested anywhere in `value`, with its path. */
export function walkPayloads(value: unknown, visit: (bytes: number, at: string) => void, at = ''): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (isPayload(value)) {
    visit(payloadBytes(value), at);
    return;
  }
  for (const [key, child] of Object.entries(value)) walkPayloads(child, visit, at ? `${at}.${key}` : key);
}

/** Every run of `workflowId` from `firstRunId` on, in order, measured. */
export async function measureChain(client: Client, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const run: RunHistory = { runId, events: events.length, maxPayloadBytes: 0, maxPayloadAt: '', payloads: 0, retriedActivities: 0, activitySeconds: 0 };
    for (const event of events) {
      if ((event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) run.retriedActivities++;
      run.activitySeconds += reportedSeconds(event.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data);
      walkPayloads(event, (bytes, at) => {
        run.payloads++;
        if (bytes > run.maxPayloadBytes) {
          run.maxPayloadBytes = bytes;
          run.maxPayloadAt = at;
        }
      });
    }
    runs.push(run);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/**
 * How many activities each worker completed over the chain, by the identity on their started events: the server
 * writes an activity's started event when it finishes, with its last attempt, so this is who finished it.
 * Only activities of `activityType` (e.g. `computeChunk`) count.
 */
export async function completedByIdentity(
  client: Client,
  workflowId: string,
  firstRunId: string,
  activityType: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let runId: string | undefined = firstRunId;
  while (runId) {
    const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const startedBy = new Map<string, string>();
    const scheduledType = new Map<string, string>();
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) scheduledType.set(String(event.eventId), scheduled.activityType?.name ?? '');
      const started = event.activityTaskStartedEventAttributes;
      if (started) startedBy.set(String(event.eventId), started.identity ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && scheduledType.get(String(completed.scheduledEventId)) === activityType) {
        const identity = startedBy.get(String(completed.startedEventId)) ?? completed.identity ?? '';
        counts.set(identity, (counts.get(identity) ?? 0) + 1);
      }
    }
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return counts;
}

function reportedSeconds(data: Uint8Array | null | undefined): number {
  if (!data) return 0;
  try {
    const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    const seconds = typeof value === 'object' && value !== null ? (value as { seconds?: unknown }).seconds : undefined;
    return typeof seconds === 'number' ? seconds : 0;
  } catch {
    return 0;
  }
}
