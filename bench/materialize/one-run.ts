/**
 * One materialization of the bench (run.ts starts each in its own process, so peak RSS is this run's own): prints
 * one JSON line of figures. CPU: this process (Node and DuckDB's threads) and Redis' (INFO cpu, before clean-up).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { materialize } from '../../src/materialize/index.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { deletePrefix, materializeBenchData, materializeBenchRepo, redisCpuSeconds } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entities = Number(process.env['ENTITIES'] ?? 1_000_000);
const url = process.env['BENCH_URL'] ?? 'redis://127.0.0.1:6379/9';
const prefix = process.env['BENCH_PREFIX'] ?? `ffbench${process.pid}`;
const file = await materializeBenchData(entities, Number(process.env['ROWS_PER_ENTITY'] ?? 2));
const repo = materializeBenchRepo(file, url, prefix);
const redis = new Redis(url);
const ctx = await openEngine(repo, here, { threads: 2 });
const store = await connectOnlineStore({ url, keyPrefix: prefix });
const redis0 = await redisCpuSeconds(redis);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const [result] = await materialize({ ctx, store }, ['stats'], new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() + 60_000));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const redisCpu = (await redisCpuSeconds(redis)) - redis0;
await store.close();
closeEngine(ctx);
const keys = result?.keysWritten ?? 0;
const dbKeys = await redis.dbsize();
await deletePrefix(redis, prefix);
redis.disconnect();
if (keys !== entities) throw new Error(`wrote ${keys} keys, expected ${entities} (db size ${dbKeys})`);
console.log(
  JSON.stringify({
    keys,
    seconds,
    rate: keys / seconds,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    redisCpuSeconds: redisCpu,
  }),
);
