/**
 * PIT benchmark (issue 2): ENTITY_ROWS entity rows against 3 views of VIEW_ROWS rows in all, THREADS DuckDB
 * threads. Alternates our getHistoricalFeatures with one hand-written ASOF query over the same files, each run in
 * its own process, and prints medians of wall time and peak RSS and the ratio.
 *
 *   npm run bench:pit                     # 1M x 10M, 2 threads, 5 runs each
 *   RUNS=3 ENTITY_ROWS=100000 VIEW_ROWS=1000000 npm run bench:pit
 *   MEMORY_LIMIT=512MB npm run bench:pit   # DuckDB must spill to disk instead of failing
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePitData } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entityRows = Number(process.env['ENTITY_ROWS'] ?? 1_000_000);
const viewRows = Number(process.env['VIEW_ROWS'] ?? 10_000_000);
const runs = Number(process.env['RUNS'] ?? 5);
const threads = Number(process.env['THREADS'] ?? 2);
const memoryLimit = process.env['MEMORY_LIMIT'] ?? '4GB';

interface Result { mode: string; ms: number; maxRssMB: number; rows: number }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

console.log(`generating ${entityRows.toLocaleString()} entity rows and ${viewRows.toLocaleString()} view rows ...`);
const data = await generatePitData(path.join(here, 'data', `${entityRows}-${viewRows}`), entityRows, viewRows);
const results: Record<string, Result[]> = { engine: [], hand: [] };
for (let i = 0; i < runs; i++) {
  for (const mode of i % 2 === 0 ? ['engine', 'hand'] : ['hand', 'engine']) {
    const line = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'case.ts'), mode, JSON.stringify(data), String(threads), memoryLimit], {
      encoding: 'utf8',
    });
    const result = JSON.parse(line.trim().split('\n').pop() as string) as Result;
    results[mode]?.push(result);
    console.log(`run ${i + 1} ${mode.padEnd(6)} ${result.ms} ms, peak RSS ${result.maxRssMB} MB, ${result.rows} rows`);
  }
}
const engine = results['engine'] as Result[];
const hand = results['hand'] as Result[];
const engineMs = median(engine.map((r) => r.ms));
const handMs = median(hand.map((r) => r.ms));
console.log(`\nmedian of ${runs} runs, ${threads} threads, memory_limit ${memoryLimit}, ${entityRows.toLocaleString()} x ${viewRows.toLocaleString()}:`);
console.log(`  getHistoricalFeatures  ${engineMs} ms  peak RSS ${median(engine.map((r) => r.maxRssMB))} MB`);
console.log(`  hand-written ASOF      ${handMs} ms  peak RSS ${median(hand.map((r) => r.maxRssMB))} MB`);
console.log(`  ratio engine / hand    ${(engineMs / handMs).toFixed(2)}x (target <= 1.5x)`);
