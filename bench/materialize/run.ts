/**
 * Materialization benchmark (issue 3): ENTITIES entities x 10 float64 features (ROWS_PER_ENTITY offline rows each)
 * from Parquet through DuckDB into the local Redis, newer-wins Lua writes. In the same run, `redis-benchmark -P 16`
 * HSET gives the ceiling of this Redis on this machine. Keys go under a fresh prefix in DB 9 and are deleted after.
 *
 *   npm run bench:materialize            # 1M entities, 3 runs
 *   RUNS=1 ENTITIES=200000 npm run bench:materialize
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { materialize } from '../../src/materialize/index.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { RepoSchema } from '../../src/registry/schema.js';
import { deletePrefix, FEATURES, materializeBenchData } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entities = Number(process.env['ENTITIES'] ?? 1_000_000);
const rowsPerEntity = Number(process.env['ROWS_PER_ENTITY'] ?? 2);
const runs = Number(process.env['RUNS'] ?? 3);
const redisBase = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const url = `${redisBase.replace(/\/\d+$/, '')}/9`;

function ceiling(): number {
  const out = execFileSync('redis-benchmark', ['-u', url, '-P', '16', '-n', '1000000', '-q', '-t', 'hset', '-r', '1000000'], { encoding: 'utf8' });
  const match = /HSET: ([\d.]+) requests per second/.exec(out);
  return match ? Number(match[1]) : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const file = await materializeBenchData(entities, rowsPerEntity);
const redis = new Redis(url);
const rates: number[] = [];
const ceilings: number[] = [];
for (let run = 1; run <= runs; run++) {
  const prefix = `ffbench${process.pid}r${run}`;
  const repo = RepoSchema.parse({
    project: 'bench',
    onlineStore: { url, keyPrefix: prefix },
    entities: [{ name: 'user', joinKeys: ['user_id'], valueType: 'int64' }],
    sources: [{ name: 'src', type: 'file', path: file }],
    featureViews: [{ name: 'stats', entities: ['user'], source: 'src', ttl: '7d', schema: FEATURES.map((name) => ({ name, dtype: 'float64' })) }],
  });
  const ctx = await openEngine(repo, here, { threads: 2 });
  const store = await connectOnlineStore({ url, keyPrefix: prefix });
  const t0 = performance.now();
  const [result] = await materialize({ ctx, store }, ['stats'], new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() + 60_000));
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  closeEngine(ctx);
  const rate = (result?.keysWritten ?? 0) / seconds;
  rates.push(rate);
  const dbsize = await redis.dbsize();
  await deletePrefix(redis, prefix);
  const hset = ceiling();
  ceilings.push(hset);
  await redis.del('myhash');
  console.log(`run ${run}: ${result?.keysWritten} keys in ${seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en-US')} entities/s (db size ${dbsize}); redis-benchmark -P 16 HSET ${Math.round(hset).toLocaleString('en-US')} ops/s`);
}
redis.disconnect();
console.log(`\nmedian of ${runs}: ${Math.round(median(rates)).toLocaleString('en-US')} entities/s x 10 features (target >= 150,000); ceiling HSET -P 16: ${Math.round(median(ceilings)).toLocaleString('en-US')} ops/s`);
