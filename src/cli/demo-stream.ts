/**
 * The demo's streaming step: the `streamIngest` workflow of user_txn_live runs on the demo's worker while a publisher
 * sends card transactions to the view's broker for about a minute; every few seconds the demo asks the HTTP API
 * (/get-online-features) for one card holder's 5-minute transaction count, which moves as the card's transactions
 * arrive. The workflow is stopped at the end (`featureflow stream start|status|stop` do the same by hand).
 */
import { createServer } from '../api/server.js';
import { getStreamIngestStatus, startStreamIngest, stopStreamIngest } from '../client/stream.js';
import type { OnlineStore } from '../online/types.js';
import { streamRedisUrl } from '../stream/redis-connection.js';
import type { Repo } from '../registry/schema.js';
import type { StreamSource } from '../registry/stream-schema.js';
import type { DemoTemporal } from './demo-temporal.js';
import { openDemoPublisher } from './demo-stream-broker.js';

export const DEMO_STREAM_VIEW = 'user_txn_live';
/** The card holder whose count the demo follows. */
const WATCHED_USER = 7;
const PRINT_EVERY_MS = 5000;
const TICK_MS = 250;

export interface DemoStreamOptions {
  seconds: number;
  users: number;
  merchants: number;
}

interface OnlineAnswer {
  metadata: { feature_names: string[] };
  results: Array<{ values: unknown[]; statuses: string[] }>;
}

/** One card transaction as the producer sends it: the batch source's fields, time as ISO 8601. */
function transaction(user: number, merchants: number, tick: number, i: number): Record<string, unknown> {
  const r = Math.abs(Math.sin(tick * 7.31 + i * 1.7)) % 1;
  return {
    user_id: user,
    merchant_id: (user * 13 + Math.floor(r * 5)) % merchants,
    amount: Math.round((5 + r ** 3 * 400) * 100) / 100,
    event_type: r < 0.05 ? 'REFUND' : 'PURCHASE',
    event_timestamp: new Date().toISOString(),
  };
}

/**
 * The watched card pays in bursts (a few transactions within seconds, then quiet), as card testing looks, so its
 * 5-minute count visibly climbs; the other card holders send a steady trickle.
 */
function tickEvents(tick: number, options: DemoStreamOptions): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 20; i++) events.push(transaction(1 + ((tick * 20 + i) * 7919) % options.users, options.merchants, tick, i));
  const second = Math.floor((tick * TICK_MS) / 1000);
  if (second % 15 < 6 && tick % 4 === 0) events.push(transaction(WATCHED_USER, options.merchants, tick, 99));
  return events;
}

async function askCount(url: string): Promise<string> {
  const response = await fetch(`${url}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      features: [`${DEMO_STREAM_VIEW}:txn_count_5m`, `${DEMO_STREAM_VIEW}:amount_sum_5m`, `${DEMO_STREAM_VIEW}:txn_count_1h`],
      entities: { user_id: [WATCHED_USER] },
    }),
  });
  if (!response.ok) return `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
  const answer = (await response.json()) as OnlineAnswer;
  return answer.metadata.feature_names
    .map((name, c) => {
      const status = answer.results[c]?.statuses[0];
      const value = answer.results[c]?.values[0];
      // Sums of cents print as cents (a double sum shows its rounding otherwise: 1412.1599999999999).
      const shown = typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : JSON.stringify(value);
      return `${name}=${shown}${status && status !== 'PRESENT' ? ` (${status})` : ''}`;
    })
    .join('  ');
}

export async function runDemoStream(temporal: DemoTemporal, repo: Repo, store: OnlineStore, options: DemoStreamOptions): Promise<void> {
  const view = repo.featureViews.find((v) => v.name === DEMO_STREAM_VIEW);
  const source = repo.sources.find((s): s is StreamSource => s.type === 'stream' && s.name === view?.source);
  if (!view || !source) throw new Error(`the demo repo has no stream view ${DEMO_STREAM_VIEW}`);
  const publisher = await openDemoPublisher(source.broker, streamRedisUrl(repo.onlineStore));
  const started = await startStreamIngest(temporal.client, repo.project, { view: DEMO_STREAM_VIEW }, { taskQueue: temporal.worker.taskQueue });
  console.log(`streamIngest workflow ${started.workflowId} ${started.alreadyRunning ? 'was already running' : 'started'}; events from ${publisher.describe}`);
  const api = createServer({ repo, store });
  const address = await api.listen(0, '127.0.0.1');
  let published = 0;
  try {
    console.log(
      `publishing ~${Math.round(1000 / TICK_MS) * 20} card transactions/s for ${options.seconds} s; card holder ${WATCHED_USER} pays in bursts. ` +
        `Every ${PRINT_EVERY_MS / 1000} s: POST ${address.url}/get-online-features for user_id ${WATCHED_USER}`,
    );
    const start = Date.now();
    let nextPrint = start + PRINT_EVERY_MS;
    for (let tick = 0; Date.now() - start < options.seconds * 1000; tick++) {
      const events = tickEvents(tick, options);
      await publisher.publish(events);
      published += events.length;
      if (Date.now() >= nextPrint) {
        nextPrint += PRINT_EVERY_MS;
        const elapsed = Math.round((Date.now() - start) / 1000);
        console.log(`  +${String(elapsed).padStart(3)} s  published ${published.toLocaleString('en').padStart(6)}  ${await askCount(address.url)}`);
        const status = await getStreamIngestStatus(temporal.client, started.workflowId);
        if (status.status !== 'RUNNING') {
          console.log(`streamIngest is ${status.status}${status.lastFailure ? `: ${status.lastFailure}` : ''}; the stream step ends here`);
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (tick + 1) * TICK_MS - Date.now())));
    }
    const status = await getStreamIngestStatus(temporal.client, started.workflowId);
    const beat = status.heartbeat;
    const ingested = beat ? ` (last heartbeat: ${beat.events.toLocaleString('en')} events ingested, ${beat.eventsPerSecond ?? '?'}/s, ${beat.pending} pending)` : '';
    console.log(`published ${published.toLocaleString('en')} transactions; workflow ${status.status}, activity ${status.activity}${ingested}`);
  } finally {
    await api.close();
    await publisher.close();
    const stopped = await stopStreamIngest(temporal.client, started.workflowId);
    console.log(`streamIngest ${stopped === 'stopped' ? 'stopped' : 'was not running'} (\`featureflow stream start ${DEMO_STREAM_VIEW}\` starts it again)`);
  }
}
