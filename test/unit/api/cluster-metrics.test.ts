import { EventEmitter } from 'node:events';
import type { Worker } from 'node:cluster';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COLLECT_TIMEOUT_MS, relayClusterMetrics, workerMetrics, type WorkerChannel } from '../../../src/api/cluster-metrics.js';
import { Metrics } from '../../../src/api/metrics.js';

/**
 * An in-memory cluster: each fake worker runs workerMetrics over a channel whose messages go to the primary's
 * relay, and the primary's `send` goes back to that worker's channel (asynchronously, as IPC does). A worker marked
 * `silent` never answers collect requests (busy or dying).
 */
function fakeCluster(count: number, silent: ReadonlySet<number> = new Set()) {
  const primary = new EventEmitter();
  const metrics = Array.from({ length: count }, () => new Metrics());
  const channels: WorkerChannel[] = [];
  const workers = metrics.map((_, i) => {
    const toWorker = new EventEmitter();
    const worker = {
      isConnected: () => true,
      send: (message: unknown) => {
        setImmediate(() => toWorker.emit('message', message));
        return true;
      },
    } as unknown as Worker;
    const channel: WorkerChannel = {
      send: (message) => {
        if (silent.has(i) && message.ff === 'metrics-snapshot') return true;
        setImmediate(() => primary.emit('message', worker, message));
        return true;
      },
      on: (event, listener) => toWorker.on(event, listener),
      off: (event, listener) => toWorker.off(event, listener),
    };
    channels.push(channel);
    return worker;
  });
  relayClusterMetrics({ workers: () => workers, on: (event, listener) => primary.on(event, listener) });
  const views = metrics.map((m, i) => workerMetrics(m, channels[i] as WorkerChannel));
  return { metrics, views };
}

function served(m: Metrics, requests: number): void {
  for (let i = 0; i < requests; i++) {
    m.requestStarted();
    m.requestFinished('/get-online-features', 'POST', 200, 0.0003);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('cluster metrics', () => {
  it('answers a scrape on any worker with the sum of every worker', async () => {
    const { metrics, views } = fakeCluster(3);
    served(metrics[0] as Metrics, 2);
    served(metrics[1] as Metrics, 5);
    served(metrics[2] as Metrics, 1);
    for (const view of views) {
      const merged = await view.collect();
      expect(merged.processes).toBe(3);
      expect(merged.requests['route="/get-online-features",method="POST",status="200"']).toBe(8);
    }
  });

  it('leaves out a worker that does not answer within the timeout instead of failing the scrape', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { metrics, views } = fakeCluster(2, new Set([1]));
    served(metrics[0] as Metrics, 3);
    served(metrics[1] as Metrics, 4);
    const scrape = views[0]?.collect();
    // Let the messages go round, then pass the primary's deadline.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(COLLECT_TIMEOUT_MS);
    await new Promise((resolve) => setImmediate(resolve));
    const merged = await scrape;
    expect(merged?.processes).toBe(1);
    expect(merged?.requests['route="/get-online-features",method="POST",status="200"']).toBe(3);
  });
});
