/**
 * The baseline of the schedules benchmark, in its own process: the same activity (materializeRange, same factories
 * and engine settings as the worker) for each window in time order, in a plain loop without Temporal. Prints one
 * JSON line: { seconds, windows, keysWritten, peakRssMb }.
 *
 *   node --import tsx bench/schedules/plain-loop.ts CONFIG FIRST_WINDOW_MS WINDOWS
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, WorkerResources } from '../../src/activities/index.js';
import { lazyComputeDrift } from '../../src/drift/engine-loader.js';
import { computeFeatures } from '../../src/engine/compute/index.js';
import { realResourceFactories } from '../../src/worker.js';
import type { MaterializeRangeResult } from '../../src/workflows/shared.js';
import { peakRssMb } from '../backfill/rss.js';
import { HOUR_MS } from './data.js';

const [config, first, count] = process.argv.slice(2);
if (!config || !first || !count) throw new Error('usage: plain-loop.ts CONFIG FIRST_WINDOW_MS WINDOWS');

const resources = new WorkerResources(realResourceFactories(config));
await resources.engine();
await resources.store();
const { materializeRange } = createActivities({ computeDrift: lazyComputeDrift, resources, computeFeatures });
let keysWritten = 0;
const t0 = performance.now();
for (let i = 0; i < Number(count); i++) {
  const end = new Date(Number(first) + i * HOUR_MS).toISOString();
  const result = (await new MockActivityEnvironment().run(materializeRange, { views: ['user_latest'], end })) as MaterializeRangeResult;
  keysWritten += result.views.reduce((n, v) => n + v.keysWritten, 0);
}
const seconds = (performance.now() - t0) / 1000;
await resources.close();
console.log(JSON.stringify({ seconds, windows: Number(count), keysWritten, peakRssMb: peakRssMb(process.pid) }));
