/**
 * What reading costs alone: drains a JetStream stream of the bench's card transactions with the real NatsReader
 * (next() in batches, ack after each) and nothing else, timing this process's and the local nats-server's CPU per
 * message. The rest of the ingest loop's cost per event is bench:stream's figure minus this one.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/nats-drain.ts [--events 500000] [--batch 5000] [--runs 3]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NatsReader } from '../../src/stream/brokers/nats.js';
import { cardEvent } from './card-view.js';
import { arg, load, localProcessCpu, median } from './measure.js';
import { createBenchStream, publishAll } from './nats-events.js';

const EVENTS = arg('events', 500_000);
const BATCH = arg('batch', 5000);
const RUNS = arg('runs', 3);

const stream = await createBenchStream();
try {
  const startMs = Date.now() - 50 * 60_000;
  await publishAll(stream, EVENTS, (i) => JSON.stringify(cardEvent(i, 50_000, startMs + i * 3)));
  const rows: Array<{ rate: number; node: number; nats: number }> = [];
  for (let run = 0; run < RUNS; run++) {
    const reader = new NatsReader(stream.broker(`ffd_${randomBytes(4).toString('hex')}`));
    await reader.open({});
    const natsBefore = localProcessCpu('nats-server') ?? NaN;
    const cpu = process.cpuUsage();
    const start = performance.now();
    let read = 0;
    while (read < EVENTS) {
      const batch = await reader.next(BATCH, 50);
      read += batch.length;
      const last = batch.at(-1);
      if (last) await reader.ack({ [last.partition]: last.position });
    }
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const nats = ((localProcessCpu('nats-server') ?? NaN) - natsBefore) * 1e6 / EVENTS;
    await reader.close();
    rows.push({ rate: EVENTS / seconds, node: (used.user + used.system) / EVENTS, nats });
    console.log(`run ${run + 1}: ${Math.round(EVENTS / seconds).toLocaleString('en')} messages/s; CPU per message node ${(rows.at(-1)?.node ?? 0).toFixed(2)} us, nats-server ${nats.toFixed(2)} us; load ${load()}`);
  }
  console.log(`median of ${RUNS}: ${Math.round(median(rows.map((r) => r.rate))).toLocaleString('en')} messages/s; CPU per message node ${median(rows.map((r) => r.node)).toFixed(2)} us, nats-server ${median(rows.map((r) => r.nats)).toFixed(2)} us`);
} finally {
  await stream.remove();
}
