/**
 * /metrics across `serve --workers N`: the kernel hands a scrape to one worker, whose own numbers are a fraction of
 * the server's. That worker asks the primary over the cluster IPC channel; the primary asks every live worker for
 * its snapshot (metrics-render.ts) and hands the list back; the worker answers their sum. Counting stays in each
 * process (no IPC per request on the hot path); only a scrape costs a round of messages.
 */
import type { Worker } from 'node:cluster';
import type { Metrics } from './metrics.js';
import { mergeSnapshots, type MetricsSnapshot } from './metrics-render.js';

/** How long the primary waits for the workers' snapshots; a worker busy or dying past it is left out (and counted). */
export const COLLECT_TIMEOUT_MS = 1000;

type Message =
  | { ff: 'metrics-request'; id: number }
  | { ff: 'metrics-collect'; id: number }
  | { ff: 'metrics-snapshot'; id: number; snapshot: MetricsSnapshot }
  | { ff: 'metrics-answer'; id: number; snapshots: MetricsSnapshot[] };

function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && typeof (value as { ff?: unknown }).ff === 'string' && typeof (value as { id?: unknown }).id === 'number';
}

/** The IPC side of a worker process: `process` in a cluster worker (tests pass a fake). */
export interface WorkerChannel {
  send(message: Message): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * In a worker: answers the primary's collect requests with this process's snapshot, and returns the function the
 * /metrics route calls for the merged snapshot of every worker. Falls back to this worker's numbers alone when the
 * primary does not answer (it is shutting down), so a scrape never fails for it.
 */
export function workerMetrics(metrics: Metrics, channel: WorkerChannel): { collect: () => Promise<MetricsSnapshot>; close: () => void } {
  let nextId = 0;
  const waiting = new Map<number, (snapshots: MetricsSnapshot[]) => void>();
  const onMessage = (message: unknown): void => {
    if (!isMessage(message)) return;
    if (message.ff === 'metrics-collect') channel.send({ ff: 'metrics-snapshot', id: message.id, snapshot: metrics.snapshot() });
    else if (message.ff === 'metrics-answer') waiting.get(message.id)?.(message.snapshots);
  };
  channel.on('message', onMessage);
  const collect = (): Promise<MetricsSnapshot> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => finish(null), COLLECT_TIMEOUT_MS * 2);
      const finish = (snapshots: MetricsSnapshot[] | null): void => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(snapshots && snapshots.length > 0 ? mergeSnapshots(snapshots) : metrics.snapshot());
      };
      waiting.set(id, finish);
      try {
        channel.send({ ff: 'metrics-request', id });
      } catch {
        finish(null); // the IPC channel is closed: this process is on its way out
      }
    });
  return { collect, close: () => channel.off('message', onMessage) };
}

/** The primary's view of its workers (node:cluster's `cluster`; tests pass a fake). */
export interface WorkerSet {
  workers(): Worker[];
  on(event: 'message', listener: (worker: Worker, message: unknown) => void): unknown;
}

/**
 * In the primary: a worker's request for metrics is answered with every live worker's snapshot (the requester's
 * own included), once all have answered or COLLECT_TIMEOUT_MS passed.
 */
export function relayClusterMetrics(set: WorkerSet): void {
  let nextCollect = 0;
  const collecting = new Map<number, { expected: number; snapshots: MetricsSnapshot[]; done: () => void }>();
  set.on('message', (worker, message) => {
    if (!isMessage(message)) return;
    if (message.ff === 'metrics-snapshot') {
      const round = collecting.get(message.id);
      if (!round) return; // late, after the round timed out
      round.snapshots.push(message.snapshot);
      if (round.snapshots.length === round.expected) round.done();
      return;
    }
    if (message.ff !== 'metrics-request') return;
    const id = nextCollect++;
    const workers = set.workers().filter((w) => w.isConnected());
    const round = {
      expected: workers.length,
      snapshots: [] as MetricsSnapshot[],
      done: (): void => {
        clearTimeout(timer);
        collecting.delete(id);
        if (worker.isConnected()) worker.send({ ff: 'metrics-answer', id: message.id, snapshots: round.snapshots } satisfies Message);
      },
    };
    const timer = setTimeout(round.done, COLLECT_TIMEOUT_MS);
    collecting.set(id, round);
    for (const w of workers) w.send({ ff: 'metrics-collect', id } satisfies Message);
  });
}
