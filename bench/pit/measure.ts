/** Running one measured case in its own process, medians, and the machine's load, for bench/pit/run.ts. */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_FEATURES, benchRepoInput } from './case-sql.js';
import type { PitBenchData } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export interface Result { mode: string; ms: number; cpuMs: number; maxRssMB: number; rows: number; stepMs?: Record<string, number> }

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export const load = (): string => `load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min, ${os.availableParallelism()} cores)`;

/** `engine`, `hand` or `exact` through case.ts, in a fresh process so its peak RSS is its own. */
export function runCase(mode: 'engine' | 'hand' | 'exact', data: PitBenchData, threads: number, memoryLimit: string): Result {
  const line = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'case.ts'), mode, JSON.stringify(data), String(threads), memoryLimit], {
    encoding: 'utf8',
  });
  return JSON.parse(line.trim().split('\n').pop() as string) as Result;
}

/**
 * `featureflow historical` end to end with the built CLI (bin/featureflow-dist.js, after `npm run build`): process
 * start, repo load, engine, write. Wall time from here, peak RSS and CPU from GNU time.
 */
export function runCli(data: PitBenchData, threads: number, memoryLimit: string): Result {
  const config = path.join(data.dir, 'featureflow.json');
  writeFileSync(config, JSON.stringify(benchRepoInput(data), null, 2));
  const out = path.join(os.tmpdir(), `ff-pit-cli-${process.pid}-${Date.now()}.parquet`);
  const args = [
    '-f', '%M %U %S', process.execPath, path.join(root, 'bin', 'featureflow-dist.js'), 'historical', '--config', config,
    '--entities', data.entities, '--features', BENCH_FEATURES.join(','), '--out', out,
    '--threads', String(threads), '--memory-limit', memoryLimit,
  ];
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  const ms = performance.now() - started;
  rmSync(out, { force: true });
  if (child.status !== 0) throw new Error(`featureflow historical failed: ${child.stderr}`);
  const [rssKB, user, sys] = (child.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const rows = Number(/Wrote ([\d,]+) rows/.exec(child.stdout)?.[1]?.replaceAll(',', '') ?? NaN);
  // The CLI's own figure ("... in 5.0s") leaves out process start and module loading.
  const reported = Number(/ in ([\d.]+)s/.exec(child.stdout)?.[1] ?? NaN) * 1000;
  return {
    mode: 'cli', ms: Math.round(ms), cpuMs: Math.round(((user ?? NaN) + (sys ?? NaN)) * 1000),
    maxRssMB: Math.round((rssKB ?? NaN) / 1024), rows, stepMs: { 'as the CLI reports it': reported },
  };
}
