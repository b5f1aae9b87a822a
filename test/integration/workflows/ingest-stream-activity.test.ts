/**
 * The ingestStream activity outside any workflow (MockActivityEnvironment gives it an activity context), with the
 * ingest loop faked: what its heartbeats carry, Temporal cancellation turned into the loop's AbortSignal, the stop at
 * runFor, and how failures reach Temporal (codes, retryable or not). Here because the mock environment loads the
 * native worker.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createActivities, type ActivityResources, type StreamIngestFn } from '../../../src/activities/index.js';
import { lazyComputeDrift } from '../../../src/drift/engine-loader.js';
import type { EngineContext } from '../../../src/engine/context.js';
import { FeatureflowError } from '../../../src/registry/errors.js';
import { validateRepo } from '../../../src/registry/index.js';
import type { IngestStreamResult, StreamIngestHeartbeat, StreamIngestStats } from '../../../src/workflows/shared.js';
import { waitFor } from './helpers/wait.js';

const repo = await validateRepo({
  project: 'act',
  entities: [{ name: 'card', joinKeys: ['card_id'] }],
  sources: [
    { name: 'txn_batch', type: 'file', path: 'txn.parquet' },
    { name: 'txn_stream', type: 'stream', batchSource: 'txn_batch', broker: { kind: 'redis-stream', key: 'txn', group: 'ff' } },
  ],
  featureViews: [
    { name: 'live', entities: ['card'], source: 'txn_stream', aggregation: { cadence: '1m', windows: ['5m'], features: [{ name: 'n', function: 'count' }] } },
    { name: 'plain', entities: ['card'], source: 'txn_batch', schema: [{ name: 'amount', dtype: 'float64' }] },
  ],
});

const resources: ActivityResources = {
  engine: async () => ({ repo, repoDir: '/nowhere', db: {} }) as EngineContext,
  store: async () => {
    throw new Error('the stream activity reaches Redis through its ingest loop only');
  },
};

function activity(streamIngest?: StreamIngestFn) {
  return createActivities({ resources, computeFeatures: async () => ({ rowsWritten: 0, files: [] }), computeDrift: lazyComputeDrift, heartbeatIntervalMs: 10, ...(streamIngest ? { streamIngest } : {}) })
    .ingestStream;
}

/** Reports `events` batches, then waits for its signal and returns; keeps the signal's reason. */
function loop(events: number, seen: { reason?: unknown }, end: 'return' | 'throw-abort' = 'return'): StreamIngestFn {
  return async ({ signal, onProgress }) => {
    const stats: StreamIngestStats = { positions: { '0': `${events}-0` }, runEvents: events, events: 1000 + events, late: 1, invalid: 2, pending: 3, watermarkMicros: 1_700_000_000_000_000 };
    onProgress(stats);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    seen.reason = signal.reason;
    if (end === 'throw-abort') throw signal.reason;
    return stats;
  };
}

async function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ value }),
    (err: unknown) => err,
  );
}

describe('ingestStream', () => {
  it('heartbeats the positions and counters of the loop, and stops the loop through its signal when cancelled', async () => {
    const env = new MockActivityEnvironment();
    const beats: StreamIngestHeartbeat[] = [];
    env.on('heartbeat', (d: StreamIngestHeartbeat) => beats.push(d));
    const seen: { reason?: unknown } = {};
    const running = settled(env.run(activity(loop(5, seen)), { view: 'live', runForMs: 3_600_000 }));
    await waitFor('two heartbeats with the loop progress', () => beats.filter((b) => b.events === 5).length >= 2);
    env.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(seen.reason).toBeInstanceOf(CancelledFailure);
    const last = beats.at(-1) as StreamIngestHeartbeat;
    expect(last).toMatchObject({ view: 'live', positions: { '0': '5-0' }, events: 5, totalEvents: 1005, late: 1, invalid: 2, pending: 3, watermarkMicros: 1_700_000_000_000_000 });
    expect(last.eventsPerSecond).toBe(0);
    expect(beats[0]?.eventsPerSecond).toBeNull();
    expect(Date.parse(last.at)).toBeGreaterThanOrEqual(Date.parse(last.since));
  });

  it('returns its stats when runFor has passed, also when the loop surfaces the stop as an AbortError', async () => {
    for (const end of ['return', 'throw-abort'] as const) {
      const seen: { reason?: unknown } = {};
      const result = (await new MockActivityEnvironment().run(activity(loop(4, seen, end)), { view: 'live', runForMs: 30 })) as IngestStreamResult;
      expect(result).toMatchObject({ view: 'live', positions: { '0': '4-0' }, events: 4, late: 1, invalid: 2, stoppedBy: 'runFor' });
      expect(seen.reason).toMatchObject({ name: 'AbortError' });
      expect(Date.parse(result.endedAt)).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
    }
  });

  it("shows a retry's first heartbeats with the positions the previous attempt reached", async () => {
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { positions: { '0': '41' } } });
    const beats: StreamIngestHeartbeat[] = [];
    env.on('heartbeat', (d: StreamIngestHeartbeat) => beats.push(d));
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const held: StreamIngestFn = async ({ signal }) => {
      await gate;
      return { positions: { '0': '42' }, runEvents: signal.aborted ? 0 : 1 };
    };
    const running = env.run(activity(held), { view: 'live', runForMs: 3_600_000 });
    await waitFor('a heartbeat', () => beats.length > 0);
    go();
    expect(((await running) as IngestStreamResult).positions).toEqual({ '0': '42' });
    expect(beats[0]).toMatchObject({ positions: { '0': '41' }, events: 0 });
  });

  it('fails without retry for a view that is unknown or not on a stream, or a worker without stream ingestion', async () => {
    const run = (view: string, fn?: StreamIngestFn) => settled(new MockActivityEnvironment().run(activity(fn), { view, runForMs: 1000 }));
    const never = loop(0, {});
    expect(await run('nope', never)).toMatchObject({ type: 'NOT_FOUND', nonRetryable: true });
    expect(await run('plain', never)).toMatchObject({ type: 'INVALID_REQUEST', nonRetryable: true, message: expect.stringContaining('not a stream source') });
    expect(await run('live')).toMatchObject({ type: 'INVALID_WORKER_OPTIONS', nonRetryable: true });
  });

  it('passes the loop errors on under their code, retryable when retrying can help', async () => {
    const failing = (err: Error): StreamIngestFn => async () => {
      throw err;
    };
    const run = (fn: StreamIngestFn) => settled(new MockActivityEnvironment().run(activity(fn), { view: 'live', runForMs: 1000 }));
    const down = await run(failing(new FeatureflowError('ONLINE_STORE_UNAVAILABLE', 'Redis is down')));
    expect(down).toBeInstanceOf(ApplicationFailure);
    expect(down).toMatchObject({ type: 'ONLINE_STORE_UNAVAILABLE', nonRetryable: false });
    expect(await run(failing(new FeatureflowError('INVALID_DEFINITION', 'bad filter')))).toMatchObject({ type: 'INVALID_DEFINITION', nonRetryable: true });
    // Anything unforeseen stays retryable: the retry policy backs off.
    const odd = await run(failing(new TypeError('boom')));
    expect(odd).toBeInstanceOf(TypeError);
  });
});
