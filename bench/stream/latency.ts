/**
 * Event-to-servable latency at a steady rate (issue 14 target: p99 < 1 s at 20k events/s). A publisher (a process
 * of its own) sends card transactions to a fresh NATS JetStream stream at `--rate` events/s for `--seconds`,
 * recording each message's publish time by its stream sequence (one publisher on one connection: message i is
 * sequence i + 1). The real ingest loop writes them to Redis tiles; a watcher on its own Redis connection polls the
 * view's state every `--poll-ms`: the positions stored there are written atomically with the tiles, so when
 * position p is first seen every event up to p is servable, and its latency is that time - its publish time
 * (rounded up to the poll). The first `--warmup` seconds are left out. Medians of `--runs` runs.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/latency.ts [--rate 20000] [--seconds 20] [--runs 3]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { readStreamState } from '../../src/online/stream-tiles.js';
import { NatsReader } from '../../src/stream/brokers/nats.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { PROJECT, startIngest, VIEW } from './card-view.js';
import { arg, load, median, percentile } from './measure.js';
import { createBenchStream } from './nats-events.js';

const RATE = arg('rate', 20_000);
const SECONDS = arg('seconds', 20);
const RUNS = arg('runs', 3);
const POLL_MS = arg('poll-ms', 5);
const WARMUP_S = arg('warmup', 3);
const CARDS = arg('cards', 50_000);
const BATCH = arg('batch', 5000);

async function oneRun(run: number): Promise<{ p50: number; p99: number; max: number }> {
  const redis = new Redis(redisUrl());
  const watcher = new Redis(redisUrl());
  const stream = await createBenchStream();
  const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
  const total = RATE * SECONDS;
  const out = path.join(os.tmpdir(), `ffbench-sent-${randomBytes(4).toString('hex')}.f64`);
  /** [time first seen (epoch ms), position] */
  const seenAt: Array<[number, number]> = [];
  const ingest = await startIngest(redis, prefix, new NatsReader(stream.broker(`ffl_${randomBytes(4).toString('hex')}`)), { batchMax: BATCH });
  const latencies: number[] = [];
  try {
    const script = new URL('./latency-publisher.ts', import.meta.url).pathname;
    const publisher = spawn(process.execPath, ['--import', 'tsx', script, stream.subject, String(RATE), String(total), String(CARDS), out], { stdio: 'inherit' });
    const published = new Promise<void>((resolve, reject) => {
      publisher.once('error', reject);
      publisher.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited ${code}`))));
    });
    const origin = performance.timeOrigin;
    let seen = 0;
    let publisherDone = false;
    void published.then(() => (publisherDone = true));
    const deadline = Date.now() + (SECONDS + 30) * 1000;
    while (seen < total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const state = await readStreamState(watcher, { prefix, project: PROJECT, view: VIEW });
      const position = Number(state?.positions['0'] ?? 0);
      if (position <= seen) continue;
      seenAt.push([origin + performance.now(), position]);
      seen = position;
    }
    await published;
    if (!publisherDone || seen < total) throw new Error(`only ${seen} of ${total} events became servable`);
    const sent = new Float64Array(Uint8Array.from(readFileSync(out)).buffer);
    let from = 1;
    for (const [now, position] of seenAt) {
      for (let seq = from; seq <= Math.min(position, total); seq++) {
        const at = sent[seq - 1] as number;
        if (at - (sent[0] as number) >= WARMUP_S * 1000) latencies.push(now - at);
      }
      from = position + 1;
    }
  } finally {
    ingest.stop();
    await ingest.done.catch(() => undefined);
    await cleanupPrefix(redis, `${prefix}:`);
    await stream.remove();
    rmSync(out, { force: true });
    redis.disconnect();
    watcher.disconnect();
  }
  latencies.sort((a, b) => a - b);
  const result = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? Number.NaN };
  console.log(
    `run ${run}: ${latencies.length.toLocaleString('en')} events at ${RATE.toLocaleString('en')}/s: p50 ${result.p50.toFixed(0)} ms, ` +
      `p99 ${result.p99.toFixed(0)} ms, max ${result.max.toFixed(0)} ms; load ${load()}`,
  );
  return result;
}

const results: Array<{ p50: number; p99: number; max: number }> = [];
console.log(`event-to-servable latency: ${RATE.toLocaleString('en')} events/s for ${SECONDS} s (first ${WARMUP_S} s left out), poll ${POLL_MS} ms, batch ${BATCH}; load ${load()}`);
for (let run = 1; run <= RUNS; run++) results.push(await oneRun(run));
console.log(
  `\nmedian of ${RUNS}: p50 ${median(results.map((r) => r.p50)).toFixed(0)} ms, p99 ${median(results.map((r) => r.p99)).toFixed(0)} ms, ` +
    `max ${median(results.map((r) => r.max)).toFixed(0)} ms; load ${load()}`,
);
const p99 = median(results.map((r) => r.p99));
console.log(`event-to-servable p99 ${p99.toFixed(0)} ms at ${RATE.toLocaleString('en')} events/s (target < 1000 ms at 20,000/s): ${p99 < 1000 && RATE >= 20_000 ? 'met' : 'NOT met'}`);
