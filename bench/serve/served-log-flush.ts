/**
 * How long one serving log flush holds the event loop: N rows (requests of 100 entities x 10 float features)
 * queued, then flushed to Parquet in a temp folder, while a setImmediate ticker records the longest gap between
 * its turns. That gap is the most a request arriving during the flush waits for the loop. Also prints the request
 * path's cost (record() per request). Compare with an idle ticker's gap on the same machine (printed first).
 *
 *   npm run bench:served-log -- [--rows 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../src/api/logger.js';
import { Metrics } from '../../src/api/metrics.js';
import { ServedLog } from '../../src/api/served-log.js';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import type { FeatureColumn } from '../../src/online/types.js';
import { RepoSchema } from '../../src/registry/schema.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const ROWS = Number(args.rows);
const PER_REQUEST = 100;
const NAMES = Array.from({ length: 10 }, (_, i) => `f${i}`);

/** Longest gap between setImmediate turns while `work` runs. */
async function longestGap(work: () => Promise<void>): Promise<{ ms: number; gapMs: number }> {
  let last = performance.now();
  let worst = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  await work();
  running = false;
  return { ms: performance.now() - started, gapMs: worst };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-served-'));
  const repo = RepoSchema.parse({
    project: 'bench',
    offlineStore: { path: 'offline' },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: 'events.parquet' }],
    featureViews: [{ name: 'stats', entities: ['user'], source: 'events', schema: NAMES.map((name) => ({ name, dtype: 'float64' })) }],
    featureServices: [{ name: 'all', features: { stats: NAMES } }],
  });
  // As the server opens it (api/offline-engine.ts).
  const ctx = await openEngine(repo, dir, { threads: 1, memoryLimit: '256MB' });
  try {
    const metrics = new Metrics();
    const log = new ServedLog({ repo, targets: [{ service: 'all', rate: 1 }], engine: async () => ctx, metrics, logger: silentLogger, capacityRows: ROWS });
    const requests = Array.from({ length: Math.ceil(ROWS / PER_REQUEST) }, (_, r) => ({
      entities: { user_id: Array.from({ length: PER_REQUEST }, (_, i) => r * PER_REQUEST + i) },
      columns: NAMES.map((): FeatureColumn => ({
        values: Array.from({ length: PER_REQUEST }, (_, i) => i * 1.5),
        statuses: Array<FeatureColumn['statuses'][number]>(PER_REQUEST).fill('PRESENT'),
        eventMicros: Array<number>(PER_REQUEST).fill(1),
      })),
    }));
    const idle = await longestGap(() => new Promise((resolve) => setTimeout(resolve, 2000)));
    const started = performance.now();
    for (const r of requests) log.record('all', r.entities, r.columns);
    const recordUs = ((performance.now() - started) * 1000) / requests.length;
    const flush = await longestGap(() => log.flush());
    console.log(`idle ticker: longest gap ${idle.gapMs.toFixed(1)} ms over 2 s (the machine's own noise)`);
    console.log(`request path: record() ${recordUs.toFixed(2)} µs per request of ${PER_REQUEST} rows x ${NAMES.length} features`);
    console.log(`flush of ${ROWS} rows: ${flush.ms.toFixed(0)} ms, longest event loop gap ${flush.gapMs.toFixed(1)} ms`);
    console.log(metrics.render().split('\n').filter((l) => l.startsWith('featureflow_served_log_rows_total')).join('\n'));
  } finally {
    closeEngine(ctx);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
