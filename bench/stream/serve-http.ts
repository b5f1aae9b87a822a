/**
 * Serving a 5-window stream view over HTTP at a fixed rate (issue 14 target: p99 < 2 ms at 1k req/s, 1 entity per
 * request, from send time). The compiled `featureflow serve` (one process) over a repo with the bench stream view
 * (hour-tiles.ts: count, sum, avg, count_distinct, max over 5m, 10m, 15m, 30m, 1h; 1-minute tiles; `--entities`
 * cards each with a tile for every minute of the last hour), and h2load (nghttp2-client) holding `--rate` req/s of
 * /get-online-features for 1 card x all 25 features, as 4 one-connection clients (h2load-run.ts). Rounds of
 * `--duration` s (1 s warm-up), a different card per round; p50/p99 from send time, medians of `--rounds`.
 *
 *   flock /tmp/bench.lock npm run bench:stream:serve -- [--rounds 5] [--duration 10] [--rate 1000] [--entities 1000] [--pin]
 *
 * SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server (bench/serve/profile-summary.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { readStreamTiles, windowValues } from '../../src/online/stream-tiles.js';
import { RepoSchema, type RepoInput } from '../../src/registry/schema.js';
import { aggregationColumnName } from '../../src/registry/features.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { medianResult, peakRssMb, requireH2load, runH2load, serveArgv, startServer, stopServer, type RunResult } from '../serve/h2load-run.js';
import { buildServerIfStale } from '../serve/server-fixture.js';
import { describeSplit, TailSplitter } from '../serve/tail-split.js';
import { FEATURES, PROJECT, tileKey, VIEW } from './card-view.js';
import { fillHourOfTiles, SERVE_SPEC, SERVE_WINDOWS } from './hour-tiles.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    entities: { type: 'string', default: '1000' },
    /** Server on core 0, h2load on core 1 (off by default: a pinned server cannot move off a busy core). */
    pin: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const RATE = Number(args.rate);
const ENTITIES = Number(args.entities);
const PORT = 6599;
const URL_BASE = `http://127.0.0.1:${PORT}`;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET_P99_MS = 2;
const FEATURE_NAMES = FEATURES.flatMap((f) => SERVE_WINDOWS.map((w) => `${VIEW}:${aggregationColumnName(f.name, w)}`));

function repoInput(keyPrefix: string): RepoInput {
  return {
    project: PROJECT,
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' }],
    sources: [
      { name: 'card_events', type: 'file', path: 'data/card_events.parquet' },
      // Never consumed here: the tiles are written by fillHourOfTiles.
      { name: 'card_stream', type: 'stream', batchSource: 'card_events', timestampField: 'ts', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.card', durable: 'ff_bench' } },
    ],
    featureViews: [{ name: VIEW, entities: ['card'], source: 'card_stream', aggregation: { cadence: '1h', windows: [...SERVE_WINDOWS], tile: '1m', features: FEATURES } }],
  };
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** The server's answer for `card` equals windowValues over the card's tiles (read just before), or this throws. */
async function checkAnswer(redis: Redis, prefix: string, card: number): Promise<void> {
  const response = await fetch(`${URL_BASE}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ features: FEATURE_NAMES, entities: { card_id: [card] } }),
  });
  const [fields] = await readStreamTiles(redis, [tileKey(prefix, card)]);
  const expected = windowValues(fields ?? {}, SERVE_SPEC, Date.now() * 1000).flat();
  const json = (await response.json()) as { results: Array<{ values: unknown[] }> };
  // results[0] is the entity column; the features follow in request order.
  const served = json.results.slice(1).map((r) => r.values[0]);
  if (response.status !== 200 || JSON.stringify(served) !== JSON.stringify(expected)) {
    throw new Error(`card ${card}: served ${JSON.stringify(served)}, expected ${JSON.stringify(expected)} (status ${response.status})`);
  }
  console.log(`card ${card} (${Object.keys(fields ?? {}).length} tile fields): ${FEATURE_NAMES.map((n, i) => `${n.split(':')[1]}=${String(served[i])}`).join(' ')}`);
}

async function main(): Promise<void> {
  requireH2load();
  buildServerIfStale();
  const keyPrefix = `ffbench:${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ff-bench-stream-serve-'));
  const config = path.join(dir, 'featureflow.json');
  const input = repoInput(keyPrefix);
  RepoSchema.parse(input);
  writeFileSync(config, JSON.stringify(input, null, 2));
  const redis = new Redis(redisUrl());
  let server;
  try {
    console.log(`writing ${ENTITIES} cards x 61 tiles x ${FEATURES.length} features under ${keyPrefix} ...`);
    await fillHourOfTiles(redis, keyPrefix, Date.now() * 1000, ENTITIES);
    server = await startServer(serveArgv(config, PORT, 1), { cwd: ROOT, port: PORT, pin: args.pin, core: 0 });
    await checkAnswer(redis, keyPrefix, 1);
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
    console.log(`machine: ${os.availableParallelism()} cores, load ${load()} (1/5/15 min) at start`);
    console.log(
      `featureflow serve (1 process${args.pin ? ', core 0' : ''}), h2load 4 x 1 connection (HTTP/1.1) at ${RATE} req/s; ` +
        `1 card x ${FEATURE_NAMES.length} stream features per request; ${ROUNDS} rounds of ${DURATION} s (1 s warm-up)\n`,
    );
    const results: RunResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bodyFile = path.join(dir, 'body.json');
      writeFileSync(bodyFile, JSON.stringify({ features: FEATURE_NAMES, entities: { card_id: [(round * 7919) % ENTITIES] } }));
      const splitter = server.pid === undefined ? undefined : new TailSplitter(server.pid, redisPid, URL_BASE);
      await splitter?.start();
      const r = await runH2load({ url: URL_BASE, bodyFile, logFile: path.join(dir, 'log.tsv'), durationSeconds: DURATION, rate: RATE, connections: 1, clients: 4, pin: args.pin, aligned: false });
      const split = await splitter?.finish();
      results.push(r);
      console.log(`round ${round + 1}: ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)}  p99.9 ${r.p999.toFixed(3)} ms  errors ${r.errors}  load ${r.load1.toFixed(2)}`);
      if (split) console.log(`        ${describeSplit(split)}`);
    }
    const m = medianResult(results);
    const met = m.p99 < TARGET_P99_MS && m.errors === 0;
    console.log(`\nmedians of ${ROUNDS} (load ${load()} at end):`);
    console.log(
      `  5-window stream view, 1 card, fixed ${RATE} req/s: p99 ${m.p99.toFixed(3)} ms (p50 ${m.p50.toFixed(3)}, p99.9 ${m.p999.toFixed(3)} ms, ${m.rps.toFixed(0)} req/s) ` +
        `(target p99 < ${TARGET_P99_MS} ms): ${met ? 'met' : 'NOT met'}; errors ${m.errors}; load ${m.load1.toFixed(2)}`,
    );
    console.log(`peak RSS: server ${server.pid === undefined ? '-' : `${peakRssMb(server.pid).toFixed(0)} MB`}`);
  } finally {
    await stopServer(server);
    await cleanupPrefix(redis, `${keyPrefix}:`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
