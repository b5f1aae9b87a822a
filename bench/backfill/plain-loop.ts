/**
 * The baseline of the backfill benchmark, run as its own process: the same activity (computeChunk, same
 * factories, same engine settings as the worker) over the same chunks, with the same number in flight, in a plain
 * loop without Temporal. MockActivityEnvironment only provides the activity context (heartbeats go nowhere).
 * Prints one JSON line: { seconds, chunks, rowsWritten, peakRssMb }.
 *
 *   node --import tsx bench/backfill/plain-loop.ts CONFIG VIEW START END CHUNK_SECONDS PARALLELISM
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, WorkerResources } from '../../src/activities/index.js';
import { lazyComputeDrift } from '../../src/drift/engine-loader.js';
import { computeFeatures } from '../../src/engine/compute/index.js';
import { realResourceFactories } from '../../src/worker.js';
import { chunkAt, planChunks } from '../../src/workflows/chunks.js';
import type { ComputeChunkResult } from '../../src/workflows/shared.js';
import { peakRssMb } from './rss.js';

const [config, view, start, end, chunkSeconds, parallelism] = process.argv.slice(2);
if (!config || !view || !start || !end || !chunkSeconds || !parallelism) throw new Error('usage: plain-loop.ts CONFIG VIEW START END CHUNK_SECONDS PARALLELISM');

const resources = new WorkerResources(realResourceFactories(config));
await resources.engine();
const { computeChunk } = createActivities({ computeDrift: lazyComputeDrift, resources, computeFeatures });
const plan = planChunks(Date.parse(start), Date.parse(end), Number(chunkSeconds));
let next = 0;
let rowsWritten = 0;
const t0 = performance.now();
// A sliding window like the workflow's: each lane takes the next chunk as soon as its last one is done.
await Promise.all(
  Array.from({ length: Number(parallelism) }, async () => {
    while (next < plan.count) {
      const c = chunkAt(plan, next++);
      const input = { view, start: new Date(c.startMs).toISOString(), end: new Date(c.endMs).toISOString(), materialize: false };
      const result = (await new MockActivityEnvironment().run(computeChunk, input)) as ComputeChunkResult;
      rowsWritten += result.rowsWritten;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
await resources.close();
console.log(JSON.stringify({ seconds, chunks: plan.count, rowsWritten, peakRssMb: peakRssMb(process.pid) }));
