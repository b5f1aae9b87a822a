/**
 * Where a materialization's time goes (issue 13): the same 1M x 10 run as run.ts, split into phases measured
 * alone, each with the CPU seconds of this process (Node + DuckDB's threads) and of Redis:
 *   PHASE=frames  DuckDB staging + rendering the commands (what materialization does now), bytes dropped
 *   PHASE=rows    DuckDB staging + encoding into JS row objects (the writeRows path), rows dropped
 *   PHASE=full    the whole materialization into Redis
 *
 *   flock /tmp/bench.lock env PHASE=frames node --import tsx bench/materialize/phases.ts
 * PROFILE=file.cpuprofile records Node's main thread during the measured phase only (not start-up or clean-up);
 * summarise it with profile-summary.ts. DuckDB's threads are native: they show in the CPU figure, not the profile.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { exportLatestRows } from '../../src/engine/latest.js';
import { exportLatestFrames } from '../../src/engine/latest-frames.js';
import { setNxFrameTemplate } from '../../src/online/frame-write.js';
import { viewLayout } from '../../src/online/layout.js';
import { materialize } from '../../src/materialize/index.js';
import { connectOnlineStore } from '../../src/online/redis-store.js';
import { deletePrefix, materializeBenchData, materializeBenchRepo, redisCpuSeconds } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entities = Number(process.env['ENTITIES'] ?? 1_000_000);
const phase = process.env['PHASE'] ?? 'full';
const redisBase = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const url = `${redisBase.replace(/\/\d+$/, '')}/9`;
const file = await materializeBenchData(entities, 2);
const prefix = `ffphase${process.pid}`;
const repo = materializeBenchRepo(file, url, prefix);
const ctx = await openEngine(repo, here, { threads: 2 });
const start = new Date(Date.now() - 2 * 86_400_000);
const end = new Date(Date.now() + 60_000);
const info = new Redis(url);
const redisCpu = (): Promise<number> => redisCpuSeconds(info);
const profileFile = process.env['PROFILE'];
const inspector = profileFile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
const redis0 = await redisCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rows = 0;
const view = repo.featureViews[0]!;
if (phase === 'rows') {
  rows = await exportLatestRows(ctx, view, { start, end }, async () => undefined);
} else if (phase === 'frames') {
  const template = setNxFrameTemplate(prefix, viewLayout(repo, 'stats'), 'abcd1234', Date.now());
  rows = await exportLatestFrames(ctx, view, { start, end }, template, async () => undefined);
} else {
  const store = await connectOnlineStore({ url, keyPrefix: prefix });
  const [result] = await materialize({ ctx, store }, ['stats'], start, end);
  rows = result?.keysWritten ?? 0;
  await store.close();
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (inspector && profileFile) {
  const { profile } = await inspector.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
  inspector.disconnect();
}
const redisSeconds = (await redisCpu()) - redis0;
await deletePrefix(info, prefix);
info.disconnect();
closeEngine(ctx);
console.log(
  `${phase}: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s; ` +
    `CPU: node+duckdb ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)}), ` +
    `redis ${redisSeconds.toFixed(2)} s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
);
