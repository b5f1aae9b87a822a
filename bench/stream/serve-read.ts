/**
 * One stream-view online read IN PROCESS, as the API makes it (RedisOnlineStore.read: stream-view-texts.lua sent
 * batched, scan, fold, columns) for the serve-http.ts request: 1 card x the 25 features of the 5-window view.
 * Sequential reads (Redis round trip included): microseconds per read, median of `--batches`; then the bytes of
 * JS heap one read allocates (V8's sampling heap profiler counting collected objects too), which sets how often the
 * server scavenges (every ~13 MB allocated). For comparing read-path changes without HTTP's noise.
 *
 *   flock /tmp/bench.lock node --import tsx bench/stream/serve-read.ts [--reads 5000] [--batches 7] [--top 0]
 *
 * --top N also lists the N functions allocating the most per read.
 */
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { viewLayout } from '../../src/online/layout.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { aggregationColumnName } from '../../src/registry/features.js';
import { RepoSchema } from '../../src/registry/schema.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { FEATURES, PROJECT, VIEW } from './card-view.js';
import { fillHourOfTiles, SERVE_WINDOWS } from './hour-tiles.js';
import { arg, median } from './measure.js';

const READS = arg('reads', 5000);
const BATCHES = arg('batches', 7);
const TOP = arg('top', 0);

interface SamplingNode {
  selfSize: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: SamplingNode[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
}

function totalSize(node: SamplingNode): number {
  return node.children.reduce((n, c) => n + totalSize(c), node.selfSize);
}

function bySite(node: SamplingNode, into = new Map<string, number>()): Map<string, number> {
  const { functionName, url, lineNumber } = node.callFrame;
  const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  into.set(site, (into.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) bySite(child, into);
  return into;
}

const prefix = `ffbench:${randomBytes(5).toString('hex')}`;
const redis = new Redis(redisUrl());
const repo = RepoSchema.parse({
  project: PROJECT,
  onlineStore: { url: redisUrl(), keyPrefix: prefix },
  entities: [{ name: 'card', joinKeys: ['card_id'], valueType: 'int64' }],
  sources: [
    { name: 'card_events', type: 'file', path: 'data/card_events.parquet' },
    { name: 'card_stream', type: 'stream', batchSource: 'card_events', timestampField: 'ts', broker: { kind: 'nats', stream: 'TXN', subject: 'txn.card', durable: 'ff_bench' } },
  ],
  featureViews: [{ name: VIEW, entities: ['card'], source: 'card_stream', aggregation: { cadence: '1h', windows: [...SERVE_WINDOWS], tile: '1m', features: FEATURES } }],
});
const layout = viewLayout(repo, repo.featureViews[0]!);
const features = FEATURES.flatMap((f) => SERVE_WINDOWS.map((w) => ({ layout, feature: aggregationColumnName(f.name, w) })));
const store = await connectOnlineStore({ url: redisUrl(), keyPrefix: prefix });
try {
  await fillHourOfTiles(redis, prefix, Date.now() * 1000, 1);
  const request = { entities: { card_id: [0] }, features };
  const perRead: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = performance.now();
    for (let i = 0; i < READS; i++) await store.read(request);
    perRead.push(((performance.now() - start) * 1000) / READS);
  }
  const session = new Session();
  session.connect();
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < READS; i++) await store.read(request);
  const { profile } = await post<{ profile: { head: SamplingNode } }>(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  console.log(
    `stream-view read, 1 card x ${features.length} features: ${median(perRead).toFixed(1)} us per read sequential (median of ${BATCHES} x ${READS}; ` +
      `${perRead.map((us) => us.toFixed(1)).join(' ')}); ${(totalSize(profile.head) / READS / 1024).toFixed(2)} KB of JS heap allocated per read`,
  );
  for (const [site, bytes] of [...bySite(profile.head)].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${(bytes / READS).toFixed(0).padStart(6)} B/read  ${site}`);
} finally {
  await store.close();
  await cleanupPrefix(redis, `${prefix}:`);
  redis.disconnect();
}
