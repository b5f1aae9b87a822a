/**
 * Generates bench/drift's data with DuckDB itself (no JS rows): a reference and a current Parquet file of ROWS rows
 * and FEATURES DOUBLE columns each, normal values from hashes of (row, feature, side) so reruns write the same
 * files. The current side plants drift in f0 (mean +0.1 sd) and f1 (sd x 1.5), and 6 points more nulls in f2.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../../src/engine/sql.js';

export interface DriftBenchData {
  reference: string;
  current: string;
  features: string[];
}

function column(k: number, side: 0 | 1): string {
  // Box-Muller from two independent hashes; a feature's scale and offset vary so sketches span many buckets.
  const u = (salt: number) => `((hash(i, ${k}, ${side}, ${salt}) % 1000000007)::DOUBLE + 1) / 1000000008`;
  const z = `sqrt(-2 * ln(${u(1)})) * cos(2 * pi() * ${u(2)})`;
  const mean = 10 * k + (side === 1 && k === 0 ? 0.1 : 0);
  const sd = (1 + k) * (side === 1 && k === 1 ? 1.5 : 1);
  const nullPct = k === 2 && side === 1 ? 7 : 1;
  return `CASE WHEN hash(i, ${k}, ${side}, 3) % 100 < ${nullPct} THEN NULL ELSE ${mean} + ${sd} * ${z} END AS f${k}`;
}

export async function generateDriftData(dir: string, rows: number, features: number): Promise<DriftBenchData> {
  const names = Array.from({ length: features }, (_, k) => `f${k}`);
  const data = { reference: path.join(dir, 'reference.parquet'), current: path.join(dir, 'current.parquet'), features: names };
  const marker = path.join(dir, 'done');
  if (existsSync(marker)) return data;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const conn = await instance.connect();
  try {
    for (const [side, file] of [[0, data.reference], [1, data.current]] as const) {
      const columns = names.map((_, k) => column(k, side)).join(', ');
      await conn.run(`COPY (SELECT ${columns} FROM range(${rows}) r(i)) TO ${literal(file)} (FORMAT parquet, ROW_GROUP_SIZE 1000000)`);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  writeFileSync(marker, '');
  return data;
}
