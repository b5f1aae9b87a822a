/**
 * latency.ts's publisher (a worker thread): `rate` card transactions per second on `subject`, sent in 5 ms ticks
 * that catch up to the schedule, each message's publish time (epoch ms) stored in `sent` at its index.
 */
import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { connect } from '@nats-io/transport-node';
import { cardEvent } from './card-view.js';
import { NATS_URL } from './nats-events.js';

const { subject, rate, total, cards, sent } = workerData as { subject: string; rate: number; total: number; cards: number; sent: Float64Array };
const nc = await connect({ servers: NATS_URL, name: 'featureflow-bench-publisher' });
const origin = performance.timeOrigin;
const start = performance.now();
let i = 0;
while (i < total) {
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
  for (; i < due; i++) {
    const now = origin + performance.now();
    const event = cardEvent(i, cards, now);
    nc.publish(subject, JSON.stringify({ ...event, sent: now }));
    sent[i] = now;
  }
  await new Promise((r) => setTimeout(r, 5));
}
await nc.flush();
await nc.close();
