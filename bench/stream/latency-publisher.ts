/**
 * latency.ts's publisher (a process of its own): `rate` card transactions per second on `subject`, sent in 5 ms
 * ticks that catch up to the schedule; at the end each message's publish time (epoch ms, Float64 by index) is
 * written to `out`.
 *
 *   node --import tsx bench/stream/latency-publisher.ts SUBJECT RATE TOTAL CARDS OUT
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { cardEvent } from './card-view.js';
import { NATS_URL } from './nats-events.js';

const [subject = '', rateText, totalText, cardsText, out = ''] = process.argv.slice(2);
const [rate, total, cards] = [Number(rateText), Number(totalText), Number(cardsText)];
const sent = new Float64Array(total);
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
writeFileSync(out, Buffer.from(sent.buffer));
