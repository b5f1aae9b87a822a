/**
 * One measured run, in its own process so peak RSS belongs to that run alone. Prints one JSON line:
 * { mode, ms, maxRssMB, rows }. Modes: `engine` (getHistoricalFeatures) and `hand` (one hand-written ASOF query).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { userAccess } from '../../src/engine/access.js';
import { closeEngine, openEngine } from '../../src/engine/context.js';
import { getHistoricalFeatures } from '../../src/engine/historical.js';
import { literal } from '../../src/engine/sql.js';
import { RepoSchema } from '../../src/registry/schema.js';
import type { PitBenchData } from './generate.js';

const [mode, dataJson, threadsArg, memoryLimit] = process.argv.slice(2);
const data = JSON.parse(dataJson as string) as PitBenchData;
const threads = Number(threadsArg ?? 2);
const out = path.join(os.tmpdir(), `ff-pit-${mode}-${process.pid}.parquet`);
const tempDirectory = path.join(os.tmpdir(), `ff-pit-spill-${process.pid}`);

const repo = RepoSchema.parse({
  project: 'bench',
  entities: [
    { name: 'user', joinKeys: ['user_id'] },
    { name: 'merchant', joinKeys: ['merchant_id'] },
  ],
  sources: [
    { name: 'users', type: 'file', path: data.views.user_stats, createdTimestampField: 'created_timestamp' },
    { name: 'merchants', type: 'file', path: data.views.merchant_stats },
    { name: 'pairs', type: 'file', path: data.views.pair_stats },
  ],
  featureViews: [
    { name: 'user_stats', entities: ['user'], source: 'users', ttl: '30d',
      schema: [{ name: 'clicks', dtype: 'int64' }, { name: 'avg_amount', dtype: 'float64' }] },
    { name: 'merchant_stats', entities: ['merchant'], source: 'merchants', ttl: '30d', schema: [{ name: 'fraud_rate', dtype: 'float64' }] },
    { name: 'pair_stats', entities: ['user', 'merchant'], source: 'pairs', ttl: '90d', schema: [{ name: 'txn_count', dtype: 'int32' }] },
  ],
});

async function runEngine(): Promise<number> {
  // The engine is locked to the repo's files; the entity file and the output are the user's, as in the CLI.
  const access = userAccess({ read: [data.entities], write: [out] });
  const ctx = await openEngine(repo, data.dir, { threads, memoryLimit: memoryLimit ?? '4GB', tempDirectory, access });
  try {
    const set = await getHistoricalFeatures(ctx, { path: data.entities }, [
      'user_stats:clicks', 'user_stats:avg_amount', 'merchant_stats:fraud_rate', 'pair_stats:txn_count',
    ]);
    try {
      await set.toParquet(out);
      return set.rowCount;
    } finally {
      set.close();
    }
  } finally {
    closeEngine(ctx);
  }
}

async function runHand(): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(threads), memory_limit: memoryLimit ?? '4GB', temp_directory: tempDirectory,
  });
  const conn = await instance.connect();
  try {
    const v = data.views;
    await conn.run(`COPY (
      SELECT e.*, u.clicks, u.avg_amount, m.fraud_rate, p.txn_count
      FROM read_parquet(${literal(data.entities)}) e
      ASOF LEFT JOIN read_parquet(${literal(v.user_stats)}) u
        ON e.user_id = u.user_id AND e.event_timestamp >= u.event_timestamp
      ASOF LEFT JOIN read_parquet(${literal(v.merchant_stats)}) m
        ON e.merchant_id = m.merchant_id AND e.event_timestamp >= m.event_timestamp
      ASOF LEFT JOIN read_parquet(${literal(v.pair_stats)}) p
        ON e.user_id = p.user_id AND e.merchant_id = p.merchant_id AND e.event_timestamp >= p.event_timestamp
    ) TO ${literal(out)} (FORMAT parquet)`);
    const n = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${literal(out)})`);
    return Number(n.getRowsJS()[0]?.[0]);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const started = performance.now();
const rows = mode === 'hand' ? await runHand() : await runEngine();
const ms = performance.now() - started;
rmSync(out, { force: true });
rmSync(tempDirectory, { recursive: true, force: true });
console.log(JSON.stringify({ mode, ms: Math.round(ms), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), rows }));
