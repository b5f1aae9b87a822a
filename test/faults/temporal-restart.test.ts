/**
 * Fault criterion 4: the Temporal dev server, started with a database file, is SIGKILLed three times in the middle of a
 * backfill and started again on the same port and file. The backfill must complete, with offline output identical
 * (sha256 over the sorted rows) to an uninterrupted backfill on the same server and no duplicate rows. The worker
 * process is left alone: it has to ride out the outage by itself, as a real deployment's worker would.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getBackfillProgress, startBackfill } from '../../src/client.js';
import type { BackfillInput } from '../../src/workflows/shared.js';
import { rng } from '../helpers/prng.js';
import {
  alive,
  freePort,
  killAllChildren,
  killHard,
  spawnWorker,
  startPersistentServer,
  stopGracefully,
  waitUntil,
  writeWorkflowBundle,
} from './helpers/wf-processes.js';
import { createWfRepo, VIEW, type WfRepo } from './helpers/wf-repo.js';

const SEED = Number(process.env.FAULT_SEED ?? 20_261_202);
const CHUNKS = 30;
const INPUT: BackfillInput = {
  view: VIEW,
  start: '2024-01-01T00:00:00Z',
  end: '2024-01-08T12:00:00Z',
  chunk: '6h',
  parallelism: 3,
  heartbeatTimeout: '2s',
  // Small, so the chain continues as new a few times and the kills also land around a run's end.
  maxHistoryEvents: 60,
};

let repo: WfRepo;
let server: ChildProcess;
let connection: Connection | undefined;
let port: number;
let dbFile: string;

beforeAll(async () => {
  repo = await createWfRepo({ dataStart: '2024-01-01T00:00:00Z', events: 7000, everySeconds: 97, users: 17, cadence: '6h', windows: ['6h', '1d'] });
  port = await freePort();
  dbFile = path.join(repo.dir, 't.db');
  server = await startPersistentServer({ port, dbFile });
});

afterAll(async () => {
  await connection?.close();
  killAllChildren();
  await repo?.cleanup();
});

it('completes a backfill whose Temporal server was SIGKILLed and restarted on the same database file, output identical', async () => {
  const address = `127.0.0.1:${port}`;
  connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const bundlePath = await writeWorkflowBundle(repo.dir);
  const spec = (name: string) => ({ address, taskQueue: `wf-restart-${name}`, configPath: repo.config(name), bundlePath, identity: name, chunkDelayMs: 150 });

  // The reference: the same backfill, uninterrupted, on the same server.
  const refWorker = await spawnWorker(spec('reference'));
  await (await startBackfill(client, INPUT, { taskQueue: spec('reference').taskQueue })).result();
  await stopGracefully(refWorker);
  const reference = await repo.digest('reference');
  expect(reference.rows).toBeGreaterThan(0);

  // Three outages at seeded points, one of them longer than the heartbeat timeout, so chunks in flight
  // at the kill meet both a server that comes back quickly and one whose heartbeat timers expired meanwhile.
  const random = rng(SEED);
  const outages = [4, 12, 20].map((base, i) => ({
    afterChunks: base + Math.floor(random() * 6),
    downMs: i === 1 ? 4000 + Math.floor(random() * 3000) : 300 + Math.floor(random() * 1500),
  }));
  const worker = await spawnWorker(spec('restart'));
  const handle = await startBackfill(client, INPUT, { taskQueue: spec('restart').taskQueue });
  const notes: string[] = [];
  let restartedAt = 0;
  for (const outage of outages) {
    const seen = await waitUntil(`${outage.afterChunks} chunks done`, async () => {
      const p = await getBackfillProgress(client, handle.workflowId);
      return p.chunksDone >= outage.afterChunks && p;
    });
    await killHard(server);
    const killedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, outage.downMs));
    server = await startPersistentServer({ port, dbFile });
    restartedAt = performance.now();
    notes.push(`after ${seen.chunksDone} chunks (run ${seen.runs + 1}, ${seen.running.length} in flight) down ${((restartedAt - killedAt) / 1000).toFixed(1)} s`);
    // Client calls fail until the channel reconnects; the workflow itself must simply go on.
    const status = await waitUntil('the workflow to be known again', async () => (await handle.describe()).status.name);
    expect(['RUNNING', 'CONTINUED_AS_NEW', 'COMPLETED']).toContain(status);
  }
  const result = await handle.result();
  const completedAfterS = (performance.now() - restartedAt) / 1000;
  const workerSurvived = alive(worker);
  await stopGracefully(worker);
  expect(result).toMatchObject({ chunksTotal: CHUNKS, chunksDone: CHUNKS });

  const digest = await repo.digest('restart');
  console.log(`server SIGKILLed ${notes.join('; ')}; the backfill used ${result.runs} runs; temp files left ${digest.tempFiles}`);
  console.log(
    `FAULT-FIGURE: temporal-restart seed ${SEED}: ${outages.length} server kills, backfill completed ${result.chunksDone}/${CHUNKS} chunks ` +
      `${completedAfterS.toFixed(1)} s after the last restart; output identical to the reference: ${digest.sha256 === reference.sha256 ? 'yes' : 'NO'} ` +
      `(${digest.rows} rows, sha256 ${digest.sha256.slice(0, 16)}); duplicate rows ${digest.duplicates}; worker process survived: ${workerSurvived ? 'yes' : 'no'}`,
  );
  expect(digest.sha256).toBe(reference.sha256);
  expect(digest.rows).toBe(reference.rows);
  expect(digest.duplicates).toBe(0);
  expect(workerSurvived).toBe(true);
});
