/**
 * Backfill benchmark: 365 daily chunks of an aggregation view over EVENTS events (10M by default), through Temporal
 * (dev server, `featureflow worker` as a child process, the backfill workflow) versus the same activity calls in a
 * plain loop in one process with the same parallelism. Each mode runs in its own process with the same engine
 * settings and writes its own offline folder; runs alternate and the medians are printed with the overhead ratio
 * (target < 10%), history events per chunk and peak worker RSS.
 *
 *   npm run bench:backfill
 *   RUNS=1 EVENTS=2000000 PARALLELISM=2 npm run bench:backfill
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBackfill } from '../../src/client.js';
import { devServerExecutable } from '../../src/devtools/temporal-binaries.js';
import { FEATUREFLOW_SEARCH_ATTRIBUTES } from '../../src/workflows/contracts/search-attributes.js';
import { DATA_DIR, generateEvents, writeConfig } from './data.js';
import { collectSlotGaps, mean, percentile, type SlotGaps } from './latency.js';
import { peakRssMb } from './rss.js';
import { startWorkerProcess, stopWorkerProcess } from '../worker-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const events = Number(process.env.EVENTS ?? 10_000_000);
const runs = Number(process.env.RUNS ?? 3);
const parallelism = Number(process.env.PARALLELISM ?? 4);
const VIEW = 'user_daily';
const START = '2024-01-01T00:00:00.000Z';
const END = '2024-12-31T00:00:00.000Z'; // 365 daily chunks
const DAY = 86_400;

interface Figures {
  seconds: number;
  rowsWritten: number;
  peakRssMb: number;
  historyEvents?: number;
  runs?: number;
  gaps?: SlotGaps;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function plainLoop(config: string): Promise<Figures> {
  rmSync(path.join(DATA_DIR, 'offline-plain'), { recursive: true, force: true });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/backfill/plain-loop.ts', config, VIEW, START, END, String(DAY), String(parallelism)],
    { cwd: root, maxBuffer: 1 << 24 },
  );
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as Figures;
}

async function throughTemporal(env: TestWorkflowEnvironment, config: string, run: number): Promise<Figures> {
  rmSync(path.join(DATA_DIR, 'offline-temporal'), { recursive: true, force: true });
  const taskQueue = `bench-backfill-${process.pid}-${run}`;
  const worker = await startWorkerProcess(config, env.address, taskQueue);
  try {
    const t0 = performance.now();
    const handle = await startBackfill(env.client, { view: VIEW, start: START, end: END, chunk: '1d', parallelism }, { taskQueue });
    const result = await handle.result();
    const seconds = (performance.now() - t0) / 1000;
    // Every run of the continue-as-new chain has its own history: follow the chain from the first run.
    let historyEvents = 0;
    const gaps: SlotGaps = { scheduleToStartMs: [], completeToNextScheduleMs: [] };
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      historyEvents += events.length;
      collectSlotGaps(events, gaps);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    const rss = peakRssMb(worker.pid ?? 0);
    return { seconds, rowsWritten: result.rowsWritten, peakRssMb: rss, historyEvents, runs: result.runs, gaps };
  } finally {
    await stopWorkerProcess(worker);
  }
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const eventsFile = await generateEvents(events);
const plainConfig = writeConfig('plain', eventsFile);
const temporalConfig = writeConfig('temporal', eventsFile);
const env = await TestWorkflowEnvironment.createLocal({
  // With the search attributes, as a set-up namespace: the starts label their runs instead of warning.
  server: { executable: devServerExecutable(), ip: '127.0.0.1', log: { format: 'pretty', level: 'warn' }, searchAttributes: [...FEATUREFLOW_SEARCH_ATTRIBUTES] },
});
const plain: Figures[] = [];
const temporal: Figures[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    // Alternate which mode goes first, so a drift in machine load does not favour one of them.
    if (run % 2 === 1) {
      plain.push(await plainLoop(plainConfig));
      temporal.push(await throughTemporal(env, temporalConfig, run));
    } else {
      temporal.push(await throughTemporal(env, temporalConfig, run));
      plain.push(await plainLoop(plainConfig));
    }
    const [p, t] = [plain.at(-1) as Figures, temporal.at(-1) as Figures];
    console.log(
      `run ${run}: plain ${p.seconds.toFixed(1)}s, temporal ${t.seconds.toFixed(1)}s ` +
        `(x${(t.seconds / p.seconds).toFixed(3)}), rows ${p.rowsWritten} / ${t.rowsWritten}`,
    );
    if (p.rowsWritten !== t.rowsWritten) throw new Error('the two modes wrote different row counts');
  }
} finally {
  await env.teardown();
}

const chunks = 365;
const tp = median(plain.map((f) => f.seconds));
const tt = median(temporal.map((f) => f.seconds));
const history = median(temporal.map((f) => f.historyEvents ?? NaN));
console.log(`\nbackfill of ${VIEW}: ${chunks} daily chunks, ${(events / 1e6).toFixed(1)}M events, parallelism ${parallelism}, median of ${runs}`);
console.table({
  'plain loop (same activity, one process)': { 'wall s': tp.toFixed(2), 'peak RSS MB': median(plain.map((f) => f.peakRssMb)).toFixed(0) },
  'through Temporal (dev server + worker)': { 'wall s': tt.toFixed(2), 'peak RSS MB': median(temporal.map((f) => f.peakRssMb)).toFixed(0) },
});
console.log(`overhead: x${(tt / tp).toFixed(3)} (${(((tt - tp) / tp) * 100).toFixed(1)}%, target < 10%)`);
console.log(`history: ${history} events in ${temporal[0]?.runs ?? '?'} run(s), ${(history / chunks).toFixed(2)} events per chunk`);
console.log(`rows written per run: ${temporal[0]?.rowsWritten}`);
const all: SlotGaps = {
  scheduleToStartMs: temporal.flatMap((f) => f.gaps?.scheduleToStartMs ?? []),
  completeToNextScheduleMs: temporal.flatMap((f) => f.gaps?.completeToNextScheduleMs ?? []),
};
const idlePerChunk = mean(all.scheduleToStartMs) + mean(all.completeToNextScheduleMs);
console.log(
  `slot idle per chunk (from the histories): schedule->start p50 ${percentile(all.scheduleToStartMs, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(all.scheduleToStartMs, 99).toFixed(1)} ms; completion->next schedule p50 ` +
    `${percentile(all.completeToNextScheduleMs, 50).toFixed(1)} ms, p99 ${percentile(all.completeToNextScheduleMs, 99).toFixed(1)} ms; ` +
    `mean ${idlePerChunk.toFixed(1)} ms = ${(((idlePerChunk / 1000) * chunks) / (tt * parallelism) * 100).toFixed(2)}% of slot time`,
);
