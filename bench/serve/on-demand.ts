/**
 * Serving overhead of one on-demand view: the same /get-online-features request (1 entity x 10 features, real
 * Redis) with and without one on-demand output added, sent one at a time to an in-process server, alternating the
 * two shapes so both see the same machine load. Prints p50/p99 of each and the p50 difference, for a JSON
 * expression view and for a TypeScript transform; then the in-process cost of the transform step alone.
 *
 *   npm run bench:serve:on-demand -- [--requests 5000]
 *
 * REDIS_URL picks the Redis (default redis://127.0.0.1:6379). The keys written are removed afterwards.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/api/logger.js';
import { computeOnDemand } from '../../src/api/on-demand.js';
import { OnlinePlanner } from '../../src/api/online-plan.js';
import { parseOnlineFeaturesRequest } from '../../src/api/online-request.js';
import { createServer } from '../../src/api/server.js';
import { redisUrl } from '../../src/devtools/redis-url.js';
import { viewLayout } from '../../src/online/layout.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { encodeRow } from '../../src/online/stored-value.js';
import { RepoSchema, type RepoInput } from '../../src/registry/schema.js';
import { cleanupPrefix } from '../../test/helpers/redis.js';
import { FEATURES } from './features.js';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '5000' } } });
const REQUESTS = Number(args.requests);


function repoInput(keyPrefix: string): RepoInput {
  return {
    project: 'bench',
    onlineStore: { url: redisUrl(), keyPrefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'events', type: 'file', path: 'data/events.parquet' }],
    featureViews: [{ name: 'user_stats', entities: ['user'], source: 'events', schema: FEATURES.map(([name, dtype]) => ({ name, dtype })) }],
    onDemandFeatureViews: [
      {
        name: 'ratio_expr',
        sources: [{ view: 'user_stats', features: ['amount_avg_7d', 'orders_7d'] }],
        request: [{ name: 'amount', dtype: 'float64' }],
        schema: [{ name: 'amount_ratio', dtype: 'float64' }],
        transform: { amount_ratio: 'amount / nullif(amount_avg_7d, 0) + orders_7d' },
      },
      {
        name: 'ratio_ts',
        sources: [{ view: 'user_stats', features: ['amount_avg_7d', 'orders_7d'] }],
        request: [{ name: 'amount', dtype: 'float64' }],
        schema: [{ name: 'amount_ratio_ts', dtype: 'float64' }],
        transform: (cols) => ({
          amount_ratio_ts: cols.amount!.map((a, i) => {
            const avg = cols.amount_avg_7d![i] as number | null;
            return a === null || !avg ? null : (a as number) / avg + ((cols.orders_7d![i] as number | null) ?? 0);
          }),
        }),
      },
    ],
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({ port, method: 'POST', path: '/get-online-features', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
const ms = (x: number): string => `${x.toFixed(3)} ms`;

async function main(): Promise<void> {
  const keyPrefix = `bench-od-${randomBytes(4).toString('hex')}`;
  const repo = RepoSchema.parse(repoInput(keyPrefix));
  const store = await connectOnlineStore({ url: redisUrl(), keyPrefix });
  const redis = new Redis(redisUrl());
  const api = createServer({ repo, store, logger: silentLogger, limits: { maxBodyBytes: 64 * 1024, storeTimeoutMs: 5000 } });
  try {
    const layout = viewLayout(repo, 'user_stats');
    const schemaId = await store.registerLayout(layout);
    await store.writeRows(layout, schemaId, [
      encodeRow(layout, [7], new Date(), null, [1, 7, 2, 9, 10.5, 11.25, 99.99, 0.5, 'DE', ['a', 'b']]),
    ]);
    const { url } = await api.listen(0);
    const port = Number(new URL(url).port);
    const base = FEATURES.map(([name]) => `user_stats:${name}`);
    // Without the on-demand output the request field is not sent: an entities column nothing reads is a 400.
    const plain = JSON.stringify({ features: base, entities: { user_id: [7] } });
    const shapes = [
      ['JSON expression', JSON.stringify({ features: [...base, 'ratio_expr:amount_ratio'], entities: { user_id: [7], amount: [42.5] } })],
      ['TypeScript transform', JSON.stringify({ features: [...base, 'ratio_ts:amount_ratio_ts'], entities: { user_id: [7], amount: [42.5] } })],
    ] as const;
    console.log(`on-demand serving overhead, 1 entity x 10 features, ${REQUESTS} requests per shape (sequential, keep-alive)`);
    for (const [name, withOdfv] of shapes) {
      for (let i = 0; i < 500; i++) await post(port, i % 2 ? plain : withOdfv); // warm-up: JIT, plan cache
      const without: number[] = [];
      const withOne: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        without.push(await post(port, plain));
        withOne.push(await post(port, withOdfv));
      }
      const overhead = quantile(withOne, 0.5) - quantile(without, 0.5);
      console.log(
        `${name.padEnd(22)} without p50 ${ms(quantile(without, 0.5))} p99 ${ms(quantile(without, 0.99))} | ` +
          `with p50 ${ms(quantile(withOne, 0.5))} p99 ${ms(quantile(withOne, 0.99))} | p50 overhead ${ms(overhead)}`,
      );
    }
    // The transform step alone (planning is cached): what the HTTP figures' difference should be made of.
    const planner = new OnlinePlanner(repo, viewLayout);
    for (const [name, body] of shapes) {
      const request = parseOnlineFeaturesRequest(JSON.parse(body));
      const plan = planner.plan(request);
      const reads = await store.read({ entities: request.entities, features: plan.features });
      const dtypeOf = (i: number) => {
        const { layout: l, feature } = plan.features[i]!;
        return l.dtypes[l.features.indexOf(feature)];
      };
      const n = 100_000;
      for (let i = 0; i < 10_000; i++) computeOnDemand(plan.onDemand!, request.entities, reads, dtypeOf);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) computeOnDemand(plan.onDemand!, request.entities, reads, dtypeOf);
      const perCall = Number(process.hrtime.bigint() - t0) / 1e3 / n;
      console.log(`${name.padEnd(22)} transform step in process: ${perCall.toFixed(2)} µs per request`);
    }
  } finally {
    agent.destroy();
    await api.close();
    await cleanupPrefix(redis, keyPrefix);
    redis.disconnect();
  }
}

await main();
