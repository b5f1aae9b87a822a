/**
 * Stream ingest throughput (issue 14 target: >= 100k events/s into Redis tiles on 2 cores). Publishes `--events`
 * card transactions over `--cards` cards to a fresh NATS JetStream stream once, then `--runs` times drains the whole
 * stream with the real ingest loop (NatsReader -> parseEvents -> TilePartials (the JavaScript fold; DuckDB when it
 * cannot) -> RedisTileSink: the merge on its tile-state cache, stream-apply.lua's compare-and-set write -> ack; the
 * read script only for what the cache cannot tell) into a fresh key prefix, timed from open to the last
 * event written. Prints per run the events/s, this process's CPU (the loop, DuckDB's thread included), Redis' CPU and EVALSHA time over the run (the
 * Redis is shared: other clients show too), the local nats-server's CPU (/proc), peak RSS and the load; then the
 * medians and each process's CPU per event.
 *
 *   flock /tmp/bench.lock npm run bench:stream -- [--events 1000000] [--cards 50000] [--runs 5] [--batch 5000]
 *
 * Profile a run: `flock /tmp/bench.lock node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/stream/ingest.ts
 * --runs 1`, then `node --import tsx bench/serve/profile-summary.ts /tmp/prof/*.cpuprofile`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { NatsReader } from '../../src/stream/brokers/nats.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { cardEvent, startIngest } from './card-view.js';
import { arg, diffCounters, load, localProcessCpu, median, redisCounters, rssSampler } from './measure.js';
import { createBenchStream, publishAll } from './nats-events.js';

const EVENTS = arg('events', 1_000_000);
const CARDS = arg('cards', 50_000);
const RUNS = arg('runs', 5);
const BATCH = arg('batch', 5000);

interface RunResult {
  rate: number;
  nodeCpu: number;
  redisCpu: number;
  /** The local nats-server's CPU over the run (NaN when it is not local). */
  natsCpu: number;
  evalshaMsPerBatch: number;
  evalshaShare: number;
  rssMb: number;
}

async function main(): Promise<void> {
  const redis = new Redis(redisUrl());
  const stream = await createBenchStream();
  const results: RunResult[] = [];
  try {
    // Event times spread over the 50 minutes before now, in order: none late, none in the future, 5m and 1h windows filled.
    const startMs = Date.now() - 50 * 60_000;
    const stepMs = (50 * 60_000) / EVENTS;
    const published = performance.now();
    await publishAll(stream, EVENTS, (i) => JSON.stringify(cardEvent(i, CARDS, startMs + i * stepMs)));
    const publishS = (performance.now() - published) / 1000;
    console.log(`published ${EVENTS.toLocaleString('en')} card transactions over ${CARDS.toLocaleString('en')} cards in ${publishS.toFixed(1)} s ` +
      `(${Math.round(EVENTS / publishS).toLocaleString('en')}/s); batch ${BATCH}; load ${load()}`);
    for (let run = 1; run <= RUNS; run++) {
      const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
      const reader = new NatsReader(stream.broker(`ffb_${randomBytes(4).toString('hex')}`));
      let finished: () => void = () => undefined;
      const drained = new Promise<void>((resolve) => (finished = resolve));
      const before = await redisCounters(redis);
      const natsBefore = localProcessCpu('nats-server');
      const rss = rssSampler();
      const cpu = process.cpuUsage();
      const start = performance.now();
      const ingest = await startIngest(redis, prefix, reader, {
        batchMax: BATCH,
        onProgress: (p) => {
          if (p.events + p.invalid + p.late >= EVENTS) finished();
        },
      });
      await Promise.race([drained, ingest.done]);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      ingest.stop();
      const progress = await ingest.done;
      const peak = rss.stop();
      const redisUsed = diffCounters(before, await redisCounters(redis));
      const natsAfter = localProcessCpu('nats-server');
      const result: RunResult = {
        rate: progress.events / seconds,
        nodeCpu: (used.user + used.system) / 1e6 / seconds,
        redisCpu: redisUsed.cpuSeconds / seconds,
        natsCpu: natsBefore === undefined || natsAfter === undefined ? Number.NaN : (natsAfter - natsBefore) / seconds,
        // One script per batch in steady state (stream-apply.lua); other clients of the shared Redis count too.
        evalshaMsPerBatch: redisUsed.evalshaMicros / 1000 / Math.max(1, progress.batches),
        evalshaShare: redisUsed.evalshaMicros / 1e6 / seconds,
        rssMb: peak,
      };
      results.push(result);
      console.log(
        `run ${run}: ${progress.events.toLocaleString('en')} events (late ${progress.late}, invalid ${progress.invalid}) in ${seconds.toFixed(2)} s = ` +
          `${Math.round(result.rate).toLocaleString('en')} events/s over ${progress.batches} batches; node CPU ${(result.nodeCpu * 100).toFixed(0)}%, ` +
          `redis CPU ${(result.redisCpu * 100).toFixed(0)}%, nats-server CPU ${(result.natsCpu * 100).toFixed(0)}% (EVALSHA ${result.evalshaMsPerBatch.toFixed(1)} ms/batch, ${(result.evalshaShare * 100).toFixed(0)}% of wall), ` +
          `peak RSS ${peak.toFixed(0)} MB; load ${load()}`,
      );
      await cleanupPrefix(redis, `${prefix}:`);
    }
    const m = (f: (r: RunResult) => number): number => median(results.map(f));
    console.log(
      `\nmedian of ${RUNS}: ${Math.round(m((r) => r.rate)).toLocaleString('en')} events/s; node CPU ${(m((r) => r.nodeCpu) * 100).toFixed(0)}%, ` +
        `redis CPU ${(m((r) => r.redisCpu) * 100).toFixed(0)}%, nats-server CPU ${(m((r) => r.natsCpu) * 100).toFixed(0)}%, EVALSHA ${m((r) => r.evalshaMsPerBatch).toFixed(1)} ms per ${BATCH}-event batch, ` +
        `peak RSS ${m((r) => r.rssMb).toFixed(0)} MB; load ${load()}`,
    );
    const rate = m((r) => r.rate);
    // Per event, what each process spends (of the 2 cores' 20 us per event that 100k events/s leaves).
    const us = (share: number): string => ((share * 1e6) / rate).toFixed(1);
    console.log(
      `CPU per event: node ${us(m((r) => r.nodeCpu))} us, redis ${us(m((r) => r.redisCpu))} us, nats-server ${us(m((r) => r.natsCpu))} us ` +
        `(100k events/s on 2 cores leaves 20 us in all)`,
    );
    console.log(`ingest ${Math.round(rate).toLocaleString('en')} events/s (target >= 100,000 events/s on 2 cores): ${rate >= 100_000 ? 'met' : 'NOT met'}`);
  } finally {
    await stream.remove();
    redis.disconnect();
  }
}

await main();
